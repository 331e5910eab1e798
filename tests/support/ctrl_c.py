"""Runs a program's `python -m` entry point with Ctrl-C pressed at an exact moment rather than a lucky one.

    python -m tests.support.ctrl_c --after-output TEXT MODULE [ARG ...]
    python -m tests.support.ctrl_c --after-call PACKAGE.MODULE:NAME[.ATTR] MODULE [ARG ...]

The process sends SIGINT to itself right after it writes TEXT to stdout (a person pressing Ctrl-C as the
line appears) or right after NAME returns (a Ctrl-C in the middle of startup). Python runs the signal
handler at the very next bytecode of the main thread, so the moment a loaded machine only sometimes
reaches, an unprepared program reaches every time. Exit status and output are the program's own.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import runpy
import signal
import sys
from collections.abc import Callable
from typing import Any, TextIO


def _press_ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


class _PressAfterOutput:
    """stdout that presses Ctrl-C once, as soon as everything written so far contains `text`."""

    def __init__(self, stream: TextIO, text: str) -> None:
        self._stream = stream
        self._text = text
        self._written = ""
        self._pressed = False

    def write(self, data: str) -> int:
        count = self._stream.write(data)
        if not self._pressed:
            self._written = (self._written + data)[-(len(self._text) + len(data)) :]
            if self._text in self._written:
                self._pressed = True
                self._stream.flush()  # the reader sees the line before the program handles the Ctrl-C
                _press_ctrl_c()
        return count

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _press_after_call(target: str) -> None:
    """Wraps PACKAGE.MODULE:NAME[.ATTR] (a function, or a method of a class) so it presses Ctrl-C on return.

    The entry point must look NAME up when it runs (a call-time import or a method), as the ones tested do."""
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def pressing(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        _press_ctrl_c()
        return result

    setattr(owner, name, pressing)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.ctrl_c")
    moment = parser.add_mutually_exclusive_group(required=True)
    moment.add_argument("--after-output", metavar="TEXT")
    moment.add_argument("--after-call", metavar="PACKAGE.MODULE:NAME")
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    if options.after_output is not None:
        sys.stdout = _PressAfterOutput(sys.stdout, options.after_output)
    else:
        _press_after_call(options.after_call)
    sys.argv = [options.module, *options.args]
    runpy.run_module(options.module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
