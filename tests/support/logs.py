"""Captures every log record the service emits, at DEBUG, wherever the Powertools config sent it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

# Powertools gives the layer's loggers their own handlers and stops propagation, so capturing only at the
# root (like caplog) would miss them; these are captured directly as well.
SERVICE_LOGGERS = ("connection_service", "intacct-connections")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def rendered(record: logging.LogRecord) -> str:
    """The message and every attribute (extras included), as a log formatter could print them."""
    return record.getMessage() + " " + " ".join(repr(value) for value in vars(record).values())


@contextmanager
def all_logs() -> Iterator[list[logging.LogRecord]]:
    collector = _Collector()
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in SERVICE_LOGGERS]
    loggers += [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if name.startswith("connection_service.")
    ]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(collector)
        logger.setLevel(logging.DEBUG)
    try:
        yield collector.records
    finally:
        for logger, level in saved:
            logger.removeHandler(collector)
            logger.setLevel(level)
