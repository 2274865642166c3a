"""The plugin's configuration: parsing, validation and the fallback when it is bad."""

import pytest
from saleor.plugins.models import PluginConfiguration

from saleor_o2o.core import settings as conf
from saleor_o2o.core.errors import InvalidInput


def items(**values):
    """Return Saleor-style configuration items holding only `values`."""
    return [{"name": name, "value": value} for name, value in values.items()]


def parse(active=False, **values):
    return conf.parse_configuration(items(**values), active=active)


def store_row(active, **values):
    """Save the plugin's row as Saleor's `pluginUpdate` would."""
    PluginConfiguration.objects.update_or_create(
        identifier=conf.PLUGIN_ID,
        defaults={"name": "O2O", "active": active, "configuration": items(**values)},
    )


def test_defaults_without_any_stored_configuration():
    settings = conf.parse_configuration(None, active=False)

    assert settings == conf.O2OSettings(
        active=False,
        default_radius_km=25.0,
        max_radius_km=200.0,
        geocoder=conf.GeocoderSettings(
            provider="nominatim",
            user_agent="",
            api_key="",
            domain="",
            scheme="https",
            timeout_seconds=5.0,
        ),
    )
    assert settings.geocoder.enabled


def test_values_are_typed_and_trimmed():
    settings = parse(
        active=True,
        default_radius_km=" 12.5 ",
        max_radius_km="80",
        geocoder_provider=" Nominatim ",
        geocoder_user_agent="  shop.example (ops@shop.example) ",
        geocoder_api_key=" key ",
        geocoder_domain="geo.shop.example:8080/",
        geocoder_scheme="HTTP",
    )

    assert settings.active is True
    assert settings.default_radius_km == 12.5
    assert settings.max_radius_km == 80.0
    assert settings.geocoder == conf.GeocoderSettings(
        provider="nominatim",
        user_agent="shop.example (ops@shop.example)",
        api_key="key",
        domain="geo.shop.example:8080",
        scheme="http",
    )


def test_items_without_value_keep_the_default():
    settings = parse(default_radius_km=None, max_radius_km=None)

    assert (settings.default_radius_km, settings.max_radius_km) == (25.0, 200.0)


@pytest.mark.parametrize("name", [conf.DEFAULT_RADIUS_KM, conf.MAX_RADIUS_KM])
@pytest.mark.parametrize(
    "raw", ["", "  ", "abc", "0", "-5", "nan", "inf", "-inf", "1e999", "25km"]
)
def test_radius_must_be_a_positive_finite_number(name, raw):
    with pytest.raises(InvalidInput) as raised:
        parse(**{name: raw})

    assert raised.value.field == name
    assert raised.value.code == "INVALID"
    assert repr(raw.strip()) in raised.value.message


def test_default_radius_cannot_exceed_the_maximum():
    with pytest.raises(InvalidInput) as raised:
        parse(default_radius_km="50", max_radius_km="49.9")

    assert raised.value.field == conf.DEFAULT_RADIUS_KM


def test_default_radius_may_equal_the_maximum():
    settings = parse(default_radius_km="50", max_radius_km="50")

    assert settings.default_radius_km == settings.max_radius_km == 50.0


def test_unknown_provider_is_refused():
    with pytest.raises(InvalidInput) as raised:
        parse(geocoder_provider="teleport")

    assert raised.value.field == conf.GEOCODER_PROVIDER
    assert "'teleport'" in raised.value.message


@pytest.mark.parametrize("provider", ["googlev3", "opencage", "OpenCage", "none"])
def test_geopy_service_names_and_none_are_accepted(provider):
    settings = parse(geocoder_provider=provider)

    assert settings.geocoder.provider == provider.lower()


@pytest.mark.parametrize("provider", ["none", "NONE", ""])
def test_provider_none_or_empty_disables_geocoding(provider):
    settings = parse(active=True, geocoder_provider=provider)

    assert settings.geocoder.provider == conf.PROVIDER_NONE
    assert not settings.geocoder.enabled


@pytest.mark.parametrize("scheme", ["ftp", "file", "https://", "ws"])
def test_scheme_must_be_http_or_https(scheme):
    with pytest.raises(InvalidInput) as raised:
        parse(geocoder_scheme=scheme)

    assert raised.value.field == conf.GEOCODER_SCHEME


def test_empty_scheme_means_https():
    assert parse(geocoder_scheme="").geocoder.scheme == "https"


@pytest.mark.parametrize("user_agent", ["", "   "])
def test_nominatim_without_user_agent_is_refused_when_active(user_agent):
    with pytest.raises(InvalidInput) as raised:
        parse(
            active=True, geocoder_provider="nominatim", geocoder_user_agent=user_agent
        )

    assert raised.value.field == conf.GEOCODER_USER_AGENT
    assert raised.value.code == "PLUGIN_MISCONFIGURED"


def test_nominatim_without_user_agent_is_accepted_while_inactive():
    settings = parse(
        active=False, geocoder_provider="nominatim", geocoder_user_agent=""
    )

    assert settings.geocoder.provider == "nominatim"
    assert settings.geocoder.user_agent == ""


def test_other_providers_need_no_user_agent_when_active():
    assert parse(active=True, geocoder_provider="none").active
    assert parse(active=True, geocoder_provider="opencage", geocoder_api_key="k")


@pytest.mark.parametrize(
    "provider, domain, delay",
    [
        ("nominatim", "", 1.0),
        ("nominatim", conf.PUBLIC_NOMINATIM_DOMAIN, 1.0),
        ("nominatim", "geo.shop.example:8080", 0.0),
        ("nominatim", "127.0.0.1:8088", 0.0),
        ("googlev3", "", 0.0),
        ("none", "", 0.0),
    ],
)
def test_min_delay_follows_the_public_nominatim_usage_policy(provider, domain, delay):
    settings = conf.GeocoderSettings(provider=provider, domain=domain)

    assert settings.min_delay_seconds == delay


def test_min_delay_of_parsed_public_nominatim_configuration():
    public = parse(geocoder_domain=conf.PUBLIC_NOMINATIM_DOMAIN + "/")
    custom = parse(geocoder_domain="geo.shop.example")

    assert public.geocoder.min_delay_seconds == 1.0
    assert custom.geocoder.min_delay_seconds == 0.0


def test_public_nominatim_domain_is_recognised_whatever_its_case():
    settings = parse(geocoder_domain="Nominatim.OpenStreetMap.org")

    assert settings.geocoder.min_delay_seconds == 1.0


@pytest.mark.parametrize(
    "domain", ["https://geo.shop.example", "http://geo.shop.example:8080/nominatim"]
)
def test_server_given_as_a_url_is_refused(domain):
    with pytest.raises(InvalidInput) as raised:
        parse(geocoder_domain=domain)

    assert raised.value.field == conf.GEOCODER_DOMAIN


@pytest.mark.parametrize(
    "raw, allowed",
    [
        (None, False),
        (False, False),
        (True, True),
        ("", False),
        ("no", False),
        ("false", False),
        (" Yes ", True),
        ("true", True),
        ("TRUE", True),
    ],
)
def test_remote_offer_claims_are_off_unless_said_yes(raw, allowed):
    assert parse(offer_remote_claims=raw).offer_remote_claims is allowed


def test_remote_offer_claims_must_be_yes_or_no():
    with pytest.raises(InvalidInput) as error:
        parse(offer_remote_claims="sometimes")

    assert error.value.field == conf.OFFER_REMOTE_CLAIMS


def test_get_o2o_settings_reads_the_stored_row(db):
    store_row(
        True,
        default_radius_km="7",
        max_radius_km="70",
        geocoder_provider="none",
    )

    settings = conf.get_o2o_settings()

    assert settings.active is True
    assert (settings.default_radius_km, settings.max_radius_km) == (7.0, 70.0)
    assert not settings.geocoder.enabled


def test_get_o2o_settings_reads_an_inactive_row(db):
    store_row(False, geocoder_user_agent="shop", geocoder_domain="geo.example")

    settings = conf.get_o2o_settings()

    assert settings.active is False
    assert settings.geocoder.domain == "geo.example"


def test_get_o2o_settings_is_inactive_before_the_plugin_is_saved(db):
    assert conf.get_o2o_settings() == conf.O2OSettings(active=False)


def test_get_o2o_settings_is_inactive_when_the_plugin_is_not_installed(db, settings):
    store_row(True, geocoder_provider="none")
    settings.PLUGINS = [
        path for path in settings.PLUGINS if not path.endswith(".O2OPlugin")
    ]

    assert conf.get_o2o_settings() == conf.O2OSettings(active=False)


@pytest.mark.parametrize(
    "garbage",
    [
        {"default_radius_km": "lots"},
        {"max_radius_km": "-1"},
        {"default_radius_km": "300", "max_radius_km": "200"},
        {"geocoder_provider": "teleport"},
        {"geocoder_scheme": "gopher"},
        {"geocoder_provider": "nominatim", "geocoder_user_agent": ""},
    ],
)
def test_get_o2o_settings_falls_back_to_inactive_on_stored_garbage(db, garbage):
    store_row(True, **{"geocoder_user_agent": "shop", **garbage})

    assert conf.get_o2o_settings() == conf.O2OSettings(active=False)
