"""The store reads the GraphQL resolvers call: lists, lookups, their relations."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_o2o.core.errors import NotFound
from saleor_o2o.store import access, selectors
from saleor_o2o.store.models import Store
from saleor_o2o.store.reach import CLERK, EVERYWHERE, NOWHERE, Reach


def test_stores_match_a_search_services_and_state(store_factory):
    louvre = store_factory("Louvre", 48.86, 2.34, is_curbside=True)
    lyon = store_factory("Part-Dieu", 45.76, 4.84, city="Lyon")
    closed = store_factory("Closed", 48.85, 2.35, is_active=False)
    every = Store.objects.all()

    def names(**criteria):
        found = selectors.stores_matching(queryset=every, **criteria)
        return {store.name for store in found}

    assert names(search="lyon") == {lyon.name}
    assert names(services=["curbside"]) == {louvre.name}
    assert names(services=["click_and_collect", "curbside"]) == {louvre.name}
    assert names(is_active=False) == {closed.name}
    assert names() == {louvre.name, lyon.name, closed.name}


def test_an_inactive_store_is_found_only_by_staff_who_work_in_it(store_factory):
    closed = store_factory("Closed", 48.85, 2.35, is_active=False)

    def found(**viewer):
        return selectors.store_visible_to(slug=closed.slug, **viewer)

    assert found(can_manage=False) is None
    assert found(can_manage=True, reach=NOWHERE) is None
    assert found(can_manage=True, reach=Reach(roles={closed.pk: CLERK})) == closed
    assert selectors.store_visible_to(can_manage=True, reach=EVERYWHERE, pk=closed.pk)


def test_stores_by_id_fetch_the_relations_asked_for(store_factory):
    stores = [store_factory(f"Store {i}", 48.85, 2.35) for i in range(3)]
    ids = [store.pk for store in stores]

    with CaptureQueriesContext(connection) as queries:
        found = selectors.stores_by_id(
            ids, with_address=True, with_hours_exceptions=True
        )
        for store in found.values():
            assert store.warehouse.address.city
            list(store.hours_exceptions.all())
    assert set(found) == set(ids)
    assert len(queries) == 2


@pytest.mark.django_db
def test_lookups_of_what_staff_name_raise_on_the_field_given():
    with pytest.raises(NotFound) as raised:
        access.user_for_id(pk=0, field="userId")
    assert raised.value.field == "userId"
    with pytest.raises(NotFound) as raised:
        access.app_for_id(pk=0, field="appId")
    assert raised.value.field == "appId"
    assert list(access.stores_worked_in(reach=NOWHERE)) == []
