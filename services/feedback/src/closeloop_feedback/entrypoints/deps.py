"""FastAPI dependencies of the feedback API (``Annotated`` aliases keep routes short)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from closeloop_feedback.container import Feedback
from closeloop_shared.auth import Principal, Role, require_roles


def get_feedback(request: Request) -> Feedback:
    """The service's components."""
    feedback: Feedback = request.app.state.feedback
    return feedback


FeedbackDep = Annotated[Feedback, Depends(get_feedback)]
# Agents and supervisors talk to customers (phone callbacks, answers on their behalf).
CallerDep = Annotated[Principal, Depends(require_roles(Role.agent, Role.supervisor, Role.admin))]
# Complaint-level reads: department users are further limited to their departments.
ReaderDep = Annotated[
    Principal,
    Depends(require_roles(Role.agent, Role.supervisor, Role.department, Role.admin)),
]
ReportReaderDep = Annotated[
    Principal,
    Depends(require_roles(Role.agent, Role.supervisor, Role.department, Role.admin, Role.auditor)),
]
