"""Settings of the servers the HTTP tests start: the sandbox's, plus a test gateway."""

from saleor_o2o.sandbox.settings import *  # noqa: F401,F403
from saleor_o2o.sandbox.settings import PLUGINS

PLUGINS = [*PLUGINS, "helpers.fake_gateway.FakeCardGatewayPlugin"]
O2O_ERROR_CODES_STRICT = True
