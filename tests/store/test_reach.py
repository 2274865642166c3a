from saleor_o2o.store.reach import CLERK, EVERYWHERE, MANAGER, NOWHERE, Reach

ROLES = Reach(roles={1: CLERK, 2: MANAGER})


def test_a_clerk_works_at_the_desk_of_their_store_only():
    assert ROLES.sees(1) and ROLES.can(1, CLERK)
    assert not ROLES.can(1, MANAGER)
    assert not ROLES.sees(3) and not ROLES.can(3, CLERK)


def test_a_manager_may_do_what_a_clerk_does():
    assert ROLES.can(2, CLERK) and ROLES.can(2, MANAGER)


def test_store_ids_by_role():
    assert ROLES.store_ids(CLERK) == {1, 2}
    assert ROLES.store_ids(MANAGER) == {2}
    assert EVERYWHERE.store_ids() is None
    assert NOWHERE.store_ids() == frozenset()


def test_everywhere_and_nowhere():
    assert EVERYWHERE.sees(99) and EVERYWHERE.can(99, MANAGER)
    assert not NOWHERE.sees(1) and not NOWHERE.can(None)
