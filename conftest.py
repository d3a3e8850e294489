"""Repository-wide pytest configuration: real Kafka / SecantusDB / SMTP sink fixtures."""

pytest_plugins = ["closeloop_devstack.pytest_plugin"]
