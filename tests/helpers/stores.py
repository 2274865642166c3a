"""A store's input as the API takes it (`storeCreate`, `storeUpdate`)."""


def store_input(**changes) -> dict:
    """Return a valid `StoreCreateInput`; address fields in `changes` go to the
    address, the others to the store."""
    data = {
        "name": "Paris Rivoli",
        "address": {
            "streetAddress1": "99 Rue de Rivoli",
            "city": "Paris",
            "postalCode": "75001",
            "country": "FR",
        },
        "latitude": 48.86,
        "longitude": 2.34,
    }
    for key, value in changes.items():
        if key in data["address"]:
            data["address"][key] = value
        else:
            data[key] = value
    return data
