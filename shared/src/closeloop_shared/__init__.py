"""Closeloop's common library: event contracts, Kafka and MongoDB adapters, settings,
auth, metrics and logging helpers. Every service imports this package; no service imports
another service."""
