"""Dependencies of the audit routes: the service context and who may call."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from closeloop_audit.service.context import AuditContext
from closeloop_shared.auth import CurrentPrincipal, Principal, Role, require_roles


def audit_context(request: Request) -> AuditContext:
    """The context built by ``bootstrap``."""
    ctx: AuditContext = request.app.state.audit
    return ctx


Context = Annotated[AuditContext, Depends(audit_context)]
# Auditors and admins read the log; the log holds no contact data, so none can leak.
Auditor = Annotated[Principal, Depends(require_roles(Role.auditor, Role.admin))]
# The public key is not secret: any authenticated caller may fetch it to check copies.
Caller = CurrentPrincipal
