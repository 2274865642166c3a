"""Who moves an order's pickup or delivery along: kinds shared by every lifecycle."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Optional

if TYPE_CHECKING:  # Kept pure: the rules that import the kinds need no ORM.
    from saleor.account.models import User
    from saleor.app.models import App

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


@dataclass(frozen=True)
class Actor:
    """Who is moving an order's pickup or delivery along."""

    kind: str
    user: Optional["User"] = None
    app: Optional["App"] = None

    @classmethod
    def of(cls, requestor: Any) -> "Actor":
        """Return the actor for a Saleor requestor (a staff user or an app)."""
        from saleor.app.models import App

        if isinstance(requestor, App):
            return cls(APP, app=requestor)
        return cls(STAFF, user=requestor)

    @classmethod
    def shopper(cls, user: Optional["User"] = None) -> "Actor":
        return cls(SHOPPER, user=user if user and user.pk else None)

    @classmethod
    def system(cls) -> "Actor":
        return cls(SYSTEM)

    def audit_fields(self) -> Dict[str, Any]:
        """Return the actor's columns of an audit entry."""
        return {"actor_type": self.kind, "user": self.user, "app": self.app}
