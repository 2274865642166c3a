"""Lifecycles as data: which status may follow which, and who may make each move.

Pure policy shared by the pickup and local delivery lifecycles (each writes its own
table, ``{from: {to: actor kinds allowed}}``, as in django-oscar's order pipeline):
services lock their row, ask `Lifecycle.check`, then write.
"""

from typing import FrozenSet, Mapping, Tuple

from saleor_o2o.core.actors import ACTOR_KINDS
from saleor_o2o.core.errors import O2OError

Transitions = Mapping[str, Mapping[str, FrozenSet[str]]]


class InvalidTransition(O2OError):
    """The object cannot go to that status from its own, or not by this actor."""

    code = "INVALID_TRANSITION"

    def __init__(self, message: str, *, current: str) -> None:
        super().__init__(message, field="status")
        self.current = current


def _label(status: str) -> str:
    return status.upper()


class Lifecycle:
    """A table of allowed moves for one kind of object (``noun`` in messages)."""

    def __init__(self, noun: str, transitions: Transitions) -> None:
        self.noun = noun
        self.transitions = transitions
        #: Statuses never left.
        self.final_statuses: FrozenSet[str] = frozenset(
            status for status, targets in transitions.items() if not targets
        )

    def check(self, current: str, target: str, *, actor: str) -> None:
        """Raise `InvalidTransition` unless ``actor`` may move to ``target``."""
        if current not in self.transitions or target not in self.transitions:
            raise ValueError(f"Unknown {self.noun} status: {current!r} or {target!r}.")
        if actor not in ACTOR_KINDS:
            raise ValueError(f"Unknown actor kind: {actor!r}.")
        allowed = self.transitions[current]
        if target not in allowed:
            if current in self.final_statuses:
                reason = "it is final"
            else:
                reason = "it can only go to " + ", ".join(
                    _label(status) for status in allowed
                )
            raise InvalidTransition(
                f"The {self.noun} is {_label(current)} and cannot become "
                f"{_label(target)}: {reason}.",
                current=current,
            )
        if actor not in allowed[target]:
            raise InvalidTransition(
                f"The {self.noun} is {_label(current)}; only "
                + " or ".join(sorted(allowed[target]))
                + f" can make it {_label(target)}.",
                current=current,
            )

    def next_statuses(self, current: str, *, actor: str) -> Tuple[str, ...]:
        """Return the statuses ``actor`` may move to from ``current``, in order."""
        return tuple(
            target
            for target, actors in self.transitions[current].items()
            if actor in actors
        )
