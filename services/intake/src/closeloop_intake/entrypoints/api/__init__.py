"""The intake HTTP API: complaints, lifecycle actions and inbound channels."""

from __future__ import annotations

from fastapi import APIRouter

from closeloop_intake.entrypoints.api import actions, channels, complaints

ROUTERS: tuple[APIRouter, ...] = (complaints.router, actions.router, channels.router)
