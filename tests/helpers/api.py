"""The API client of the tests, and helpers for reading GraphQL answers."""

import json
from typing import Dict, Optional

import graphene
from django.test import Client
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User
from saleor.app.models import App

API_PATH = "/graphql/"


class ApiClient(Client):
    """Django's test client posting GraphQL as a shopper, a staff user or an app."""

    def __init__(self, *, user: Optional[User] = None, app: Optional[App] = None):
        super().__init__()
        self.user = user
        self.app = app
        self.app_token = app.tokens.create(name="tests").auth_token if app else None

    def _auth(self) -> Dict[str, str]:
        if self.app_token:
            return {"HTTP_AUTHORIZATION": f"Bearer {self.app_token}"}
        if self.user:
            return {"HTTP_AUTHORIZATION": f"JWT {get_token(self.user)}"}
        return {}

    def post_graphql(self, query: str, variables=None, permissions=None):
        if permissions:
            if self.app:
                self.app.permissions.add(*permissions)
            else:
                self.user.user_permissions.add(*permissions)
        body = json.dumps({"query": query, "variables": variables or {}})
        return self.post(
            API_PATH, body, content_type="application/json", **self._auth()
        )


def gid(type_name: str, pk) -> str:
    """Return the Relay global ID of an object."""
    return graphene.Node.to_global_id(type_name, pk)


def content(response) -> dict:
    """Return the answer's ``data``, asserting HTTP 200 and no top-level errors."""
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    assert "errors" not in data, data["errors"]
    return data["data"]


def payload(response, name: str) -> dict:
    """Return one field of the answer's ``data`` (a mutation's payload)."""
    return content(response)[name]


def only_error(response) -> dict:
    """Return the answer's single top-level error."""
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    assert len(data.get("errors") or ()) == 1, data
    return data["errors"][0]


def assert_permission_denied(response) -> None:
    errors = json.loads(response.content)["errors"]
    assert errors[0]["extensions"]["exception"]["code"] == "PermissionDenied", errors


def code_of(call) -> str:
    """Call ``call``, asserting it raises an O2O error; return the error's code."""
    import pytest

    from saleor_o2o.core.errors import O2OError

    with pytest.raises(O2OError) as error:
        call()
    return error.value.code


def event_permissions(*event_types: str) -> list:
    """Return the permissions an app needs to receive these O2O events."""
    from django.contrib.auth.models import Permission

    from saleor_o2o.webhook.events import O2OEventType

    values = {O2OEventType.PERMISSIONS[event_type].value for event_type in event_types}
    return [
        Permission.objects.get(content_type__app_label=label, codename=codename)
        for label, codename in (value.split(".") for value in sorted(values))
    ]
