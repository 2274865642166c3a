"""Store staff over GraphQL: members of each store, all-stores staff, apps' stores."""

import graphene
from saleor.core.permissions import AccountPermissions, ProductPermissions
from saleor.graphql.account.types import User
from saleor.graphql.app.types import App
from saleor.graphql.core.fields import BaseConnectionField

from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.context import requestor_has, requestor_reach
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.store.types import Store, StoreError
from saleor_o2o.store import access
from saleor_o2o.store import models as store_models
from saleor_o2o.store import selectors
from saleor_o2o.store.reach import MANAGER

#: Either permission lets a staff user or app manage store staff.
STAFF_MANAGERS = (AccountPermissions.MANAGE_STAFF, ProductPermissions.MANAGE_PRODUCTS)

StoreStaffRoleEnum = graphene.Enum(
    "StoreStaffRoleEnum",
    [(value.upper(), value) for value, _label in store_models.StoreRole.CHOICES],
    description=lambda value: (
        dict(store_models.StoreRole.CHOICES)[value.value]
        if value
        else "What a member of a store's staff may do there."
    ),
)


class StoreMembership(graphene.ObjectType):
    user = graphene.Field(User, required=True, description="The staff user.")
    store = graphene.Field(Store, required=True, description="The store.")
    role = StoreStaffRoleEnum(required=True, description="Their role in the store.")
    created_at = graphene.DateTime(
        required=True, description="When they joined the store's staff."
    )

    class Meta:
        description = "A staff user working in a store, as a clerk or a manager."


def can_manage_staff(context) -> bool:
    return any(requestor_has(context, permission) for permission in STAFF_MANAGERS)


def resolve_store_staff(root: store_models.Store, info):
    """The store's staff, for those who may manage it (else null)."""
    if not (
        can_manage_staff(info.context)
        and requestor_reach(info.context).can(root.pk, MANAGER)
    ):
        return None
    return access.store_memberships(store=root)


class StaffMutation(O2OMutation):
    """A store-staff mutation: MANAGE_STAFF or MANAGE_PRODUCTS, either will do."""

    class Meta:
        abstract = True

    @classmethod
    def check_permissions(cls, context, permissions=None):
        return can_manage_staff(context)

    @classmethod
    def store_and_user(cls, info, store_id, user_id):
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        pk = pk_from_global_id(
            user_id, "User", field="userId", wrong_type_code="GRAPHQL_ERROR"
        )
        return store, access.user_for_id(pk=pk, field="userId")


_PERMISSIONS_NOTE = "Requires MANAGE_STAFF or MANAGE_PRODUCTS."


class StoreStaffUpdate(StaffMutation):
    membership = graphene.Field(StoreMembership, description="The membership.")

    class Arguments:
        store_id = graphene.ID(required=True, description="ID of the store.")
        user_id = graphene.ID(required=True, description="ID of the staff user.")
        role = StoreStaffRoleEnum(required=True, description="Their role there.")

    class Meta:
        description = (
            "Make a staff user a clerk or a manager of a store (or change their "
            "role). Managers add clerks to their stores; naming managers is for "
            "staff acting in every store. " + _PERMISSIONS_NOTE
        )
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, info, store_id, user_id, role):
        store, user = cls.store_and_user(info, store_id, user_id)
        membership = access.store_staff_set(
            store=store, user=user, role=role, by=requestor_reach(info.context)
        )
        return cls(membership=membership)


class StoreStaffRemove(StaffMutation):
    store = graphene.Field(Store, description="The store.")

    class Arguments:
        store_id = graphene.ID(required=True, description="ID of the store.")
        user_id = graphene.ID(required=True, description="ID of the staff user.")

    class Meta:
        description = (
            "Take a staff user off a store's staff. Managers remove clerks of their "
            "stores; removing managers is for staff acting in every store. "
            + _PERMISSIONS_NOTE
        )
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, info, store_id, user_id):
        store, user = cls.store_and_user(info, store_id, user_id)
        access.store_staff_remove(
            store=store, user=user, by=requestor_reach(info.context)
        )
        return cls(store=store)


class StaffStoreAccessUpdate(StaffMutation):
    all_stores = graphene.Boolean(
        description="Whether the staff user now acts in every store."
    )

    class Arguments:
        user_id = graphene.ID(required=True, description="ID of the staff user.")
        all_stores = graphene.Boolean(
            required=True,
            description=(
                "True: the user acts in every store (as all staff did before store "
                "staff existed). False: only in the stores they are a member of."
            ),
        )

    class Meta:
        description = (
            "Let a staff user act in every store, or only in their stores. For "
            "staff acting in every store. " + _PERMISSIONS_NOTE
        )
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, info, user_id, all_stores):
        pk = pk_from_global_id(
            user_id, "User", field="userId", wrong_type_code="GRAPHQL_ERROR"
        )
        user = access.user_for_id(pk=pk, field="userId")
        result = access.staff_all_stores_set(
            user=user, all_stores=all_stores, by=requestor_reach(info.context)
        )
        return cls(all_stores=result)


class AppStoreAccessUpdate(StaffMutation):
    app = graphene.Field(App, description="The app.")
    stores = graphene.List(
        graphene.NonNull(Store),
        description="The stores the app is narrowed to; null for every store.",
    )

    class Arguments:
        app_id = graphene.ID(required=True, description="ID of the app.")
        store_ids = graphene.List(
            graphene.NonNull(graphene.ID),
            description=(
                "Narrow the app to these stores; null to let it act in every store "
                "(the default: apps keep the reach their permissions give)."
            ),
        )

    class Meta:
        description = (
            "Narrow an app to some stores, or let it act in every store. For staff "
            "acting in every store. " + _PERMISSIONS_NOTE
        )
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, info, app_id, store_ids=None):
        pk = pk_from_global_id(
            app_id, "App", field="appId", wrong_type_code="GRAPHQL_ERROR"
        )
        app = access.app_for_id(pk=pk, field="appId")
        pks = (
            None
            if store_ids is None
            else [pk_from_global_id(i, "Store", field="storeIds") for i in store_ids]
        )
        access.app_stores_set(app=app, store_ids=pks, by=requestor_reach(info.context))
        narrowed = selectors.stores_with_ids(ids=pks) if pks is not None else None
        return cls(app=app, stores=narrowed)


def resolve_my_stores(info, **args):
    """The stores the requestor works in, by name."""
    return queryset_page(
        access.stores_worked_in(reach=requestor_reach(info.context)),
        args,
        sort_fields=["name", "slug"],
        direction="",
        connection_type=Store._meta.connection,
        name="myStores",
    )


class StoreStaffQueries(graphene.ObjectType):
    my_stores = BaseConnectionField(
        Store._meta.connection,
        description=(
            "The stores you act in as staff (or as an app), by name: those you are a "
            "member of, or every store. Empty for shoppers. The pickup desk lists "
            "these."
        ),
    )

    @staticmethod
    def resolve_my_stores(_root, info, **args):
        return resolve_my_stores(info, **args)


class StoreStaffMutations(graphene.ObjectType):
    store_staff_update = StoreStaffUpdate.Field()
    store_staff_remove = StoreStaffRemove.Field()
    staff_store_access_update = StaffStoreAccessUpdate.Field()
    app_store_access_update = AppStoreAccessUpdate.Field()


def extend_store_type() -> None:
    """Add `Store.staff`."""
    add_field(
        Store,
        "staff",
        graphene.Field(
            graphene.List(graphene.NonNull(StoreMembership)),
            resolver=resolve_store_staff,
            description=(
                "The store's clerks and managers. For its managers and staff acting "
                "in every store, with MANAGE_STAFF or MANAGE_PRODUCTS; null for "
                "anyone else."
            ),
        ),
    )
