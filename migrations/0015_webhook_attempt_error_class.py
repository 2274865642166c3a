"""Webhook attempts keep an error class, never what the receiver answered.

Attempts used to store the first 500 characters of a non-2xx answer (a receiver's
internal page, a stack trace) or the network exception's text (which names the
target URL, with any password in it); both were readable through the API. Existing
rows get the class their text shows ("HTTP 503", "timeout", "connection refused",
...), so the history keeps its meaning and loses the bodies. Not reversible: the
bodies are gone on purpose.
"""

from django.db import migrations
from django.db.models import CharField, Q, Value, When
from django.db.models.expressions import Case
from django.db.models.functions import Cast, Concat

#: What the older texts began with or contained, and the class each one is.
_CLASSES = [
    (Q(error__startswith="Only http"), "invalid URL"),
    (
        Q(error__startswith="InvalidURL")
        | Q(error__startswith="InvalidSchema")
        | Q(error__startswith="MissingSchema"),
        "invalid URL",
    ),
    (
        Q(error__startswith="ConnectTimeout")
        | Q(error__startswith="ReadTimeout")
        | Q(error__startswith="Timeout"),
        "timeout",
    ),
    (Q(error__startswith="SSLError"), "TLS error"),
    (
        Q(error__icontains="name resolution")
        | Q(error__icontains="name or service not known")
        | Q(error__icontains="failed to resolve")
        | Q(error__icontains="getaddrinfo"),
        "DNS error",
    ),
    (Q(error__icontains="connection refused"), "connection refused"),
    (Q(error__icontains="connection reset"), "connection reset"),
]
#: The classes the code records now, which need no change.
_KNOWN = [
    "timeout",
    "connection refused",
    "connection reset",
    "connection error",
    "DNS error",
    "TLS error",
    "invalid URL",
    "non-public address",
    "webhook inactive",
    "app inactive",
    "permission missing",
]


def forwards(apps, schema_editor):
    WebhookAttempt = apps.get_model("saleor_o2o", "WebhookAttempt")
    old = WebhookAttempt.objects.exclude(error="").exclude(error__in=_KNOWN)
    old.filter(succeeded=True).update(error="")
    old.filter(succeeded=False, response_status_code__isnull=False).exclude(
        error__regex=r"^HTTP [0-9]+$"
    ).update(
        error=Concat(
            Value("HTTP "), Cast("response_status_code", output_field=CharField())
        )
    )
    old.filter(succeeded=False, response_status_code__isnull=True).update(
        error=Case(
            *(When(condition, then=Value(name)) for condition, name in _CLASSES),
            default=Value("connection error"),
            output_field=CharField(),
        )
    )


class Migration(migrations.Migration):

    dependencies = [("saleor_o2o", "0014_shopper_signals")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
