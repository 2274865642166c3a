"""Running calls at the same moment, on threads, to see what races do."""

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from threading import Barrier
from typing import Callable, List, Sequence, TypeVar

from django.db import connection

from saleor_o2o.core.errors import O2OError

T = TypeVar("T")


def all_at_once(calls: Sequence[Callable[[], T]], *, workers: int = 0) -> List[T]:
    """Run the calls on `workers` threads (one per call by default), the first of
    them released together; return their results in order."""
    workers = min(workers or len(calls), len(calls))
    barrier = Barrier(workers)

    def run(index: int):
        if index < workers:
            barrier.wait(timeout=60)
        return calls[index]()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(len(calls))))


def in_parallel(calls: Sequence[Callable[[], T]], *, workers: int = 8) -> List[T]:
    """Run the calls on a few threads (set-up work); return their results in order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: call(), calls))


def race(workers: int, action: Callable[[int], object]) -> List[str]:
    """Run `action(index)` in `workers` threads released together; return, sorted,
    "won" for each that returned and the O2O error code of each that was refused.

    Each thread closes its database connection when done.
    """

    def attempt(index: int) -> str:
        try:
            action(index)
            return "won"
        except O2OError as error:
            return error.code
        finally:
            connection.close()

    return sorted(all_at_once([partial(attempt, index) for index in range(workers)]))
