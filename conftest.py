"""Repository-wide pytest configuration: real Kafka / SecantusDB / SMTP sink fixtures, and
``CLOSELOOP_ENV=development`` (production is the default, where development keys and
secrets are refused) for every settings object and service process the tests make."""

import os

os.environ.setdefault("CLOSELOOP_ENV", "development")

pytest_plugins = ["closeloop_devstack.pytest_plugin"]
