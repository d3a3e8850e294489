"""Logging, metrics and health for every service."""
