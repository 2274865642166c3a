"""Who moves an order's pickup or delivery along: kinds shared by every lifecycle."""

STAFF = "staff"
APP = "app"
SHOPPER = "shopper"
SYSTEM = "system"
ACTOR_KINDS = (STAFF, APP, SHOPPER, SYSTEM)
#: The merchant's side: staff users and the merchant's apps.
MERCHANT = frozenset({STAFF, APP})


class ActorKind:
    """Who made a transition, as recorded in an audit trail."""

    STAFF = STAFF
    APP = APP
    SHOPPER = SHOPPER
    SYSTEM = SYSTEM

    CHOICES = [
        (STAFF, "Staff user"),
        (APP, "App"),
        (SHOPPER, "Shopper"),
        (SYSTEM, "The system"),
    ]
