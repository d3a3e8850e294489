"""HTTP API of the audit service (``/v1/audit/...``)."""

from closeloop_audit.entrypoints.api.checkpoints import router as checkpoints_router
from closeloop_audit.entrypoints.api.log import router as log_router

ROUTERS = [log_router, checkpoints_router]

__all__ = ["ROUTERS"]
