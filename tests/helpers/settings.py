"""Settings of the servers the HTTP tests start: the sandbox's, plus a test gateway."""

from saleor_o2o.sandbox.settings import *  # noqa: F401,F403
from saleor_o2o.sandbox.settings import PLUGINS

PLUGINS = [*PLUGINS, "helpers.fake_gateway.FakeCardGatewayPlugin"]
O2O_ERROR_CODES_STRICT = True
# Every racing client of the HTTP tests comes from 127.0.0.1: guests' per-address
# limits would refuse them before the race under test.
O2O_GUEST_TRY_ONS_PER_HOUR = 1000
O2O_ANONYMOUS_BOOKINGS_PER_HOUR = 1000
