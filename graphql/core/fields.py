"""The API's spelling of the input paths errors point at."""

from typing import Optional

from saleor.graphql.core.utils import snake_to_camel_case


def api_field(path: Optional[str]) -> Optional[str]:
    """Return a field path of the domain (``opening_hours.0.opens``) as the API
    spells it (``openingHours.0.opens``); camel-case paths pass through unchanged."""
    if not path:
        return path
    return ".".join(snake_to_camel_case(part) for part in path.split("."))
