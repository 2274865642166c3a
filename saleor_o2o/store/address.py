"""A store's address, validated the way Saleor validates addresses."""

from typing import Any, Dict, Optional, Tuple

from django.core.exceptions import ValidationError
from saleor.account.forms import get_address_form
from saleor.account.models import Address
from saleor.account.validators import validate_possible_number

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.validation import model_text_check


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


#: Address fields a store's input may give, by their input names.
ADDRESS_FIELDS = {
    name: _camel(name)
    for name in (
        "first_name",
        "last_name",
        "company_name",
        "street_address_1",
        "street_address_2",
        "city",
        "city_area",
        "postal_code",
        "country_area",
        "phone",
    )
}


def address_clean(data: Dict[str, Any], instance: Optional[Address]) -> Address:
    """Validate an address the way Saleor does and return it, unsaved."""
    data = {key: value for key, value in data.items() if value is not None}
    # Saleor's address form fails on a field too long for its column.
    model_text_check(Address, data, ADDRESS_FIELDS, prefix="address.")
    if instance is not None:
        merged = {field: getattr(instance, field) for field in ADDRESS_FIELDS}
        merged["country"] = instance.country.code
        merged.update(data)
        data = merged
    if not data.get("country"):
        raise InvalidInput(
            "The store's address needs a country.",
            field="address.country",
            code="REQUIRED",
        )
    if data.get("phone"):
        try:
            validate_possible_number(data["phone"], data["country"])
        except ValidationError:
            raise InvalidInput(
                f"{data['phone']!r} is not a valid phone number.",
                field="address.phone",
            )
    form, _ = get_address_form(data, data["country"], instance=instance)
    if not form.is_valid():
        field, errors = next(iter(form.errors.as_data().items()))
        code = "REQUIRED" if errors[0].code == "required" else "INVALID"
        raise InvalidInput(
            f"Address {field.replace('_', ' ')}: {errors[0].messages[0]}",
            field=f"address.{_camel(field)}",
            code=code,
        )
    return form.save(commit=False)


def geocoding_query(address: Address) -> Tuple[str, str]:
    """Return the text a geocoding provider is asked for an address, and its
    country code."""
    parts = [
        address.street_address_1,
        address.street_address_2,
        " ".join(p for p in (address.postal_code, address.city) if p),
        address.country_area,
        address.country.name,
    ]
    return ", ".join(p for p in parts if p), address.country.code
