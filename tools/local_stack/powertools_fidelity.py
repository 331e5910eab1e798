"""Makes Powertools' event handler keep each invocation's event to itself when handlers run in threads.

Lambda runs one invocation at a time per execution environment, so Powertools keeps the current event and
context in class attributes (`BaseRouter.current_event`, `.lambda_context`) and the route being resolved
in the resolver's `context` dict. The local stack and the test stack run every function in threads of one
process: two concurrent requests then read each other's event (an edit found no body and answered 400,
and could in principle have seen another request's route arguments or claims). Here those three become
per-thread, as if each concurrent invocation had its own environment. Never imported by the layer.
"""

from __future__ import annotations

import threading
from abc import ABCMeta
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

_local = threading.local()
_PER_THREAD_CLASS_ATTRIBUTES = ("current_event", "lambda_context")


def _class_attribute(name: str) -> property:
    return property(
        lambda cls: getattr(_local, name, None),
        lambda cls, value: setattr(_local, name, value),
    )


def _instance_attribute(name: str) -> property:
    return property(
        lambda self: getattr(_local, name, None),
        lambda self, value: setattr(_local, name, value),
    )


def _per_instance_context() -> property:
    def get(self: Any) -> dict[str, Any]:
        contexts: dict[int, dict[str, Any]] = _local.__dict__.setdefault("contexts", {})
        return contexts.setdefault(id(self), {})

    def set_(self: Any, value: dict[str, Any]) -> None:
        _local.__dict__.setdefault("contexts", {})[id(self)] = value

    return property(get, set_)


class _PerThreadRouterMeta(ABCMeta):
    """BaseRouter's metaclass, with its event and context class attributes kept per thread."""


for _name in _PER_THREAD_CLASS_ATTRIBUTES:
    setattr(_PerThreadRouterMeta, _name, _class_attribute(_name))


def make_powertools_thread_safe() -> None:
    """Idempotent; call before handlers run in threads (the local stack and the test stack do)."""
    if type(BaseRouter) is _PerThreadRouterMeta:
        return
    for name in _PER_THREAD_CLASS_ATTRIBUTES:
        type.__setattr__(BaseRouter, name, _instance_attribute(name))  # read as self.<name> by resolvers
    type.__setattr__(BaseRouter, "context", _per_instance_context())
    # From now on `BaseRouter.<name> = value` (what resolve() does) lands in this thread's slot.
    setattr(BaseRouter, "__class__", _PerThreadRouterMeta)  # noqa: B010 - mypy cannot type a metaclass swap
