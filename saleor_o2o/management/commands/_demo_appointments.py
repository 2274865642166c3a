"""The demo stores' appointment types (part of o2o_populatedb)."""

from saleor_o2o.store.models import Store
from saleor_o2o.visits.appointments import services
from saleor_o2o.visits.appointments.models import AppointmentType

#: Name, then settings, of the types every demo store offers.
DEMO_APPOINTMENT_TYPES = (
    (
        "Personal styling",
        {
            "description": "An hour with a stylist, who prepares a selection for you.",
            "duration_minutes": 60,
            "capacity": 1,
            "buffer_minutes": 15,
            "book_ahead_days": 30,
            "min_notice_minutes": 120,
            "change_until_minutes": 240,
        },
    ),
    (
        "Fitting room",
        {
            "description": "A fitting room kept for you for half an hour.",
            "duration_minutes": 30,
            "capacity": 3,
            "buffer_minutes": 0,
            "book_ahead_days": 14,
            "min_notice_minutes": 30,
            "change_until_minutes": 60,
        },
    ),
)


def demo_appointment_types(store: Store) -> int:
    """Create or refresh the demo types of `store` (matched by name)."""
    for name, settings in DEMO_APPOINTMENT_TYPES:
        data = {"name": name, "is_active": True, **settings}
        found = AppointmentType.objects.filter(
            store=store, name=name, deleted_at__isnull=True
        ).first()
        if found is None:
            services.appointment_type_create(store=store, data=data)
        else:
            services.appointment_type_update(appointment_type=found, data=data)
    return len(DEMO_APPOINTMENT_TYPES)
