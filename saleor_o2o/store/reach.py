"""Who may act in which store: store staff roles and reach, as pure rules.

A staff user acts in the stores they are a member of, as a clerk (the pickup desk:
pickups, handovers, offer codes) or a manager (also the store's settings and stock,
releasing a locked handover, its clerks). Saleor superusers, staff given "all
stores", and apps not narrowed to some stores act everywhere, as every staff user
did before store staff existed. Saleor's permissions still decide *what* one may do;
the reach decides *where*.
"""

from dataclasses import dataclass, field
from typing import FrozenSet, Mapping, Optional

CLERK = "clerk"
MANAGER = "manager"
ROLES = (CLERK, MANAGER)
_RANK = {CLERK: 1, MANAGER: 2}


@dataclass(frozen=True)
class Reach:
    """The stores a requestor may act in, and their role in each."""

    all_stores: bool = False
    #: Role by store ID, when not all stores.
    roles: Mapping[int, str] = field(default_factory=dict)

    def sees(self, store_id: Optional[int]) -> bool:
        """Return whether the store exists for this requestor at all."""
        return self.all_stores or store_id in self.roles

    def can(self, store_id: Optional[int], role: str = CLERK) -> bool:
        """Return whether the requestor holds at least `role` in the store."""
        if self.all_stores:
            return True
        return _RANK.get(self.roles.get(store_id, ""), 0) >= _RANK[role]

    def store_ids(self, role: str = CLERK) -> Optional[FrozenSet[int]]:
        """Return the stores where the requestor holds at least `role`, or None for
        every store."""
        if self.all_stores:
            return None
        return frozenset(
            store_id
            for store_id, held in self.roles.items()
            if _RANK[held] >= _RANK[role]
        )


NOWHERE = Reach()
EVERYWHERE = Reach(all_stores=True)
