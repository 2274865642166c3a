"""The models Django finds for the ``saleor_o2o`` app; each is defined with its concept.

The app keeps one label, so migrations and table names are unchanged.
"""

from saleor_o2o.local_delivery.models import (
    CheckoutLocalDelivery,
    DeliveryArea,
    DeliveryPostalCode,
    LocalDelivery,
    LocalDeliveryEmail,
    LocalDeliveryMethod,
    LocalDeliveryTransition,
)
from saleor_o2o.occupancy.models import (
    OccupancyDeparture,
    OccupancyHourOfWeek,
    OccupancySample,
    StoreOccupancy,
)
from saleor_o2o.offer.models import (
    Offer,
    OfferClaim,
    OfferImpression,
    OfferImpressionMark,
    OfferRedeemFailure,
    OfferStore,
    ProductView,
)
from saleor_o2o.pickup.models import (
    CheckoutPickup,
    Pickup,
    PickupActor,
    PickupAuditKind,
    PickupEmail,
    PickupStatus,
    PickupTransition,
)
from saleor_o2o.routing.models import WarehouseLocation
from saleor_o2o.store.models import (
    AppStore,
    GeocodingStatus,
    PickupMethod,
    PickupReservation,
    StaffAllStores,
    StockHold,
    Store,
    StoreHoursException,
    StoreMembership,
    StoreQueryset,
    StoreRole,
)
from saleor_o2o.visits.appointments.models import Appointment, AppointmentType
from saleor_o2o.visits.appointments.notice_models import AppointmentEmail
from saleor_o2o.visits.events.models import (
    StoreEvent,
    StoreEventEmail,
    StoreEventRsvp,
    StoreEventStore,
)
from saleor_o2o.visits.try_on.models import TryOnEmail, TryOnLine, TryOnReservation
from saleor_o2o.webhook.models import (
    DeliveryStatus,
    O2OEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "Appointment",
    "AppointmentEmail",
    "AppointmentType",
    "AppStore",
    "CheckoutLocalDelivery",
    "CheckoutPickup",
    "DeliveryArea",
    "DeliveryPostalCode",
    "DeliveryStatus",
    "GeocodingStatus",
    "LocalDelivery",
    "LocalDeliveryEmail",
    "LocalDeliveryMethod",
    "LocalDeliveryTransition",
    "O2OEvent",
    "OccupancyDeparture",
    "OccupancyHourOfWeek",
    "OccupancySample",
    "Offer",
    "OfferClaim",
    "OfferImpression",
    "OfferImpressionMark",
    "OfferRedeemFailure",
    "OfferStore",
    "Pickup",
    "PickupActor",
    "PickupAuditKind",
    "PickupEmail",
    "PickupMethod",
    "PickupReservation",
    "PickupStatus",
    "PickupTransition",
    "ProductView",
    "StaffAllStores",
    "StockHold",
    "Store",
    "StoreEvent",
    "StoreEventEmail",
    "StoreEventRsvp",
    "StoreEventStore",
    "StoreHoursException",
    "StoreMembership",
    "StoreOccupancy",
    "StoreQueryset",
    "StoreRole",
    "TryOnEmail",
    "TryOnLine",
    "TryOnReservation",
    "WarehouseLocation",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
