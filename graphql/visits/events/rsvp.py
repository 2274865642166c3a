"""A shopper's RSVP to a store event, and giving the place back by its token."""

import graphene

from saleor_o2o.core.throttle import client_key
from saleor_o2o.graphql.core.context import require_storefront_enabled
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.visits.events.types import StoreEventError, StoreEventRsvp
from saleor_o2o.visits.events import calendar
from saleor_o2o.visits.events import rsvp as rsvps


class StoreEventRsvpCreate(O2OMutation):
    rsvp = graphene.Field(StoreEventRsvp, description="The place taken.")
    cancel_token = graphene.String(
        description=(
            "Gives the place back (storeEventRsvpCancel). Shown once, here and in "
            "the confirmation e-mail: keep it."
        )
    )
    cancel_url = graphene.String(
        description="The page that gives the place back, for a link to show."
    )

    class Arguments:
        event_id = graphene.ID(required=True, description="ID of the event.")
        email = graphene.String(
            description=(
                "The guest's e-mail (REQUIRED without an account); a logged-in "
                "shopper's account e-mail is used instead."
            )
        )

    class Meta:
        description = (
            "Take a place at a published store event that has not started, as a "
            "logged-in shopper or a guest with an e-mail; the confirmation e-mail "
            "carries the event's .ics and the cancel link. One place per account or "
            "e-mail; guests are limited per client (TOO_MANY_REQUESTS)."
        )
        error_type_class = StoreEventError
        error_type_field = "store_event_errors"

    @classmethod
    def perform_mutation(cls, _root, info, event_id, email=None):
        require_storefront_enabled(info.context)
        made = rsvps.store_event_rsvp(
            event_id=pk_from_global_id(event_id, "StoreEvent", field="eventId"),
            user=info.context.user,
            email=email,
            client=client_key(info.context),
        )
        return cls(
            rsvp=made.rsvp,
            cancel_token=made.token,
            cancel_url=calendar.rsvp_cancel_url(made.token),
        )


class StoreEventRsvpCancel(O2OMutation):
    rsvp = graphene.Field(StoreEventRsvp, description="The place given back.")

    class Arguments:
        token = graphene.String(
            required=True, description="The cancel token given with the RSVP."
        )

    class Meta:
        description = "Give a place at a store event back, until the event starts."
        error_type_class = StoreEventError
        error_type_field = "store_event_errors"

    @classmethod
    def perform_mutation(cls, _root, info, token):
        require_storefront_enabled(info.context)
        return cls(rsvp=rsvps.store_event_rsvp_cancel(token=token))
