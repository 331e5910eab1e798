"""Samples, medians and rows of the benchmark table: every figure is a ratio against a baseline measured in
the same run, reported as the median of repeated runs with its min and max."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sample:
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Sample:
        if not values:
            raise ValueError("a sample needs at least one value")
        return cls(tuple(values))

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def as_dict(self, scale: float = 1.0) -> dict[str, Any]:
        return {
            "median": round(self.median * scale, 4),
            "min": round(min(self.values) * scale, 4),
            "max": round(max(self.values) * scale, 4),
            "runs": len(self.values),
        }


def timed(work: Callable[[], object], runs: int, *, warmup: int = 1) -> Sample:
    """Wall time of `work`, `runs` times after `warmup` unmeasured calls."""
    for _ in range(warmup):
        work()
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        values.append(time.perf_counter() - started)
    return Sample.of(values)


@dataclass(frozen=True)
class Row:
    """One line of the table: `measured` against `baseline`, both in `unit`, and the goal on the ratio."""

    section: str
    name: str
    measured: Sample
    baseline: Sample
    unit: str = "ms"
    goal: str = ""  # e.g. "≤ 1.5", "≥ 3"; empty: reported only
    goal_on: str = "ratio"  # or "measured": the goal bounds the measured median itself (a count)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        return 1000.0 if self.unit == "ms" else 1.0

    @property
    def ratio(self) -> float:
        return self.measured.median / self.baseline.median if self.baseline.median else float("inf")

    @property
    def goal_met(self) -> bool | None:
        if not self.goal:
            return None
        sign, bound = self.goal.split()
        value = float(bound)
        subject = self.ratio if self.goal_on == "ratio" else self.measured.median
        return subject <= value if sign == "≤" else subject >= value

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "name": self.name,
            "unit": self.unit,
            "measured": self.measured.as_dict(self.scale),
            "baseline": self.baseline.as_dict(self.scale),
            "ratio": round(self.ratio, 3),
            "goal": f"{self.goal_on} {self.goal}" if self.goal else None,
            "goal_met": self.goal_met,
            "note": self.note or None,
            **({"extra": self.extra} if self.extra else {}),
        }


def _figure(sample: Sample, scale: float, unit: str) -> str:
    low, high = min(sample.values) * scale, max(sample.values) * scale
    median = sample.median * scale
    digits = {"count": 0, "USD": 4, "MB": 0}.get(unit, 1 if median >= 10 else 2)
    text = f"{median:.{digits}f}"
    if len(sample.values) > 1 and (low, high) != (median, median):
        text += f" ({low:.{digits}f} to {high:.{digits}f})"
    return f"{text} {unit}" if unit != "count" else text


def _goal(row: Row) -> str:
    if not row.goal:
        return "-"
    return row.goal if row.goal_on == "ratio" else f"measured {row.goal}"


def markdown_table(rows: Sequence[Row]) -> str:
    lines = [
        "| Section | Benchmark | Measured | Baseline | Ratio | Goal |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        met = {True: " ✅", False: " ❌", None: ""}[row.goal_met]
        lines.append(
            f"| {row.section} | {row.name} | {_figure(row.measured, row.scale, row.unit)} "
            f"| {_figure(row.baseline, row.scale, row.unit)} | {row.ratio:.2f} | {_goal(row)}{met} |"
        )
    return "\n".join(lines)
