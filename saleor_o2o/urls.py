"""URLconf for a Saleor project with the extension: use it as ROOT_URLCONF, or copy
its first pattern ahead of Saleor's in your own."""

from django.conf.urls import url
from django.views.decorators.csrf import csrf_exempt
from saleor.urls import urlpatterns as saleor_urlpatterns

from saleor_o2o.graphql.api import schema
from saleor_o2o.graphql.core.backend import ValidatedDocumentBackend
from saleor_o2o.pickup.views import pickup_desk
from saleor_o2o.views import O2OGraphQLView
from saleor_o2o.visits.events import views as event_views

graphql_view = O2OGraphQLView.as_view(schema=schema, backend=ValidatedDocumentBackend())

urlpatterns = [
    url(r"^graphql/", csrf_exempt(graphql_view), name="api"),
    url(r"^o2o/pickup-desk/$", pickup_desk, name="o2o-pickup-desk"),
    url(
        r"^o2o/events/(?P<slug>[-a-z0-9]+)\.ics$",
        event_views.store_event_ics,
        name="o2o-store-event-ics",
    ),
    url(
        r"^o2o/events/(?P<slug>[-a-z0-9]+)/$",
        event_views.store_event_page,
        name="o2o-store-event",
    ),
    url(
        r"^o2o/event-rsvps/(?P<token>[0-9a-f]{64})/cancel/$",
        event_views.store_event_rsvp_cancel,
        name="o2o-store-event-rsvp-cancel",
    ),
    *(
        pattern
        for pattern in saleor_urlpatterns
        if getattr(pattern, "name", "") != "api"
    ),
]
