"""The sla HTTP API: policies, calendars and each complaint's clocks."""

from fastapi import APIRouter

from closeloop_sla.entrypoints.api import at_risk, calendars, clocks, policies

ROUTERS: tuple[APIRouter, ...] = (
    policies.router,
    calendars.router,
    clocks.router,
    at_risk.router,
)
