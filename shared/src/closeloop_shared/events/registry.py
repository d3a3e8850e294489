"""The registry of event types. Type names follow ``closeloop.<domain>.<event>.v<N>``; a
breaking change to a payload needs a new ``v<N+1>`` type, never an edit of the old one."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

TYPE_NAME = re.compile(r"^closeloop\.[a-z]+\.[a-z_]+(\.[a-z_]+)?\.v[1-9][0-9]*$")


@dataclass(frozen=True)
class EventTypeInfo:
    """What the registry knows about one event type."""

    type: str
    model: builtins.type[BaseModel]
    topic: str
    summary: str


EVENT_TYPES: dict[str, EventTypeInfo] = {}
M = TypeVar("M", bound=type[BaseModel])


def event_type(name: str, *, topic: str) -> Callable[[M], M]:
    """Register a pydantic model as the body of event type ``name`` published on ``topic``."""
    if not TYPE_NAME.match(name):
        raise ValueError(f"event type {name!r} must look like closeloop.<domain>.<event>.v<N>")

    def register(model: M) -> M:
        if name in EVENT_TYPES:
            raise ValueError(f"event type {name!r} registered twice")
        summary = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        EVENT_TYPES[name] = EventTypeInfo(name, model, topic, summary)
        model.model_config["title"] = name
        return model

    return register


def model_for(name: str) -> type[BaseModel]:
    """The body model of a registered event type; KeyError names the unknown type."""
    try:
        return EVENT_TYPES[name].model
    except KeyError:
        raise KeyError(f"unknown event type {name!r}") from None


def type_of(model: type[BaseModel]) -> str:
    """The registered type name of a body model."""
    for info in EVENT_TYPES.values():
        if info.model is model:
            return info.type
    raise KeyError(f"{model.__name__} is not a registered event body")
