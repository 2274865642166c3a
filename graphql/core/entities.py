"""Apollo federation's `_entities`, answered only with what the requestor may read.

Saleor 2.10 declares users, addresses, groups, apps and catalogue types as federation
entities; graphene-federation's `_entities` loads each representation by ID (or a
user by e-mail) without any of the permission checks of Saleor's own queries, so
anyone could read any user's e-mail and orders. Here every representation is
answered as Saleor's own query for that type would answer it, and anything else is
null (as for an entity that does not exist, revealing nothing).
"""

from typing import Any, Callable, Dict

import graphene
from saleor.core.permissions import (
    AccountPermissions,
    AppPermission,
    ProductPermissions,
)
from saleor.graphql.utils import get_user_or_app_from_context

from saleor_o2o.core import selectors as core_selectors
from saleor_o2o.graphql.core.context import requestor_has


def _user(info) -> Any:
    user = getattr(info.context, "user", None)
    return user if user is not None and user.is_authenticated else None


def _may_read_user(info, representation) -> bool:
    if requestor_has(info.context, AccountPermissions.MANAGE_USERS) or requestor_has(
        info.context, AccountPermissions.MANAGE_STAFF
    ):
        return True
    me = _user(info)
    if me is None:
        return False
    if representation.get("id"):
        try:
            type_name, pk = graphene.Node.from_global_id(representation["id"])
        except Exception:  # Malformed: nothing to read.
            return False
        return type_name == "User" and str(pk) == str(me.pk)
    return representation.get("email") == me.email


def _may_read_address(info, representation) -> bool:
    if requestor_has(info.context, AccountPermissions.MANAGE_USERS):
        return True
    me = _user(info)
    if me is None:
        return False
    try:
        _type, pk = graphene.Node.from_global_id(representation.get("id") or "")
    except Exception:  # Malformed: nothing to read.
        return False
    return core_selectors.address_owned_by(user=me, address_id=pk)


def _permission(permission) -> Callable:
    return lambda info, _representation: requestor_has(info.context, permission)


def _visible_product(info, product) -> bool:
    if product is None:
        return False
    requestor = get_user_or_app_from_context(info.context)
    if requestor is not None and requestor.has_perm(ProductPermissions.MANAGE_PRODUCTS):
        return True
    return product.is_visible


#: Who may read each entity type before it is loaded (None: decide on the object).
BEFORE: Dict[str, Callable] = {
    "User": _may_read_user,
    "Address": _may_read_address,
    "Group": _permission(AccountPermissions.MANAGE_STAFF),
    "App": _permission(AppPermission.MANAGE_APPS),
    "ServiceAccount": _permission(AppPermission.MANAGE_APPS),
}

#: Catalogue entities: visible as Saleor's storefront shows them.
AFTER: Dict[str, Callable] = {
    "Product": lambda info, obj: _visible_product(info, obj),
    "ProductVariant": lambda info, obj: _visible_product(
        info, getattr(obj, "product", None)
    ),
    "ProductImage": lambda info, obj: _visible_product(
        info, getattr(obj, "product", None)
    ),
    "Collection": lambda info, obj: bool(getattr(obj, "is_visible", False))
    or requestor_has(info.context, ProductPermissions.MANAGE_PRODUCTS),
    "Category": lambda info, obj: obj is not None,
    "ProductType": lambda info, obj: obj is not None,
}


def entities_guard(schema) -> None:
    """Wrap the schema's `_entities` resolver with the checks above."""
    field = schema.get_query_type().fields.get("_entities")
    if field is None:
        return
    resolve = field.resolver

    def guarded(root, info, representations=None, **kwargs):
        answers = []
        for representation in representations or ():
            if not isinstance(representation, dict):
                answers.append(None)
                continue
            type_name = representation.get("__typename")
            before, after = BEFORE.get(type_name), AFTER.get(type_name)
            if before is None and after is None:
                answers.append(None)
                continue
            if before is not None and not before(info, representation):
                answers.append(None)
                continue
            try:
                [entity] = resolve(root, info, representations=[representation])
            except Exception:  # Not found, malformed: as absent.
                answers.append(None)
                continue
            if after is not None and not after(info, entity):
                entity = None
            answers.append(entity)
        return answers

    field.resolver = guarded
