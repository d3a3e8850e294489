"""HTTP API of the routing service."""

from closeloop_routing.entrypoints.api.complaints import router as complaints_router
from closeloop_routing.entrypoints.api.configuration import router as configuration_router

ROUTERS = (configuration_router, complaints_router)

__all__ = ["ROUTERS"]
