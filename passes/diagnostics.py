"""Diagnostics that passes report and the driver prints (`file:line:col: warning: ...`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jaxlib.mlir import ir


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error" | "warning" | "note" | "remark"
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None


def location_parts(loc: ir.Location) -> tuple[str | None, int | None, int | None]:
    """(file, line, column) of the first file location inside `loc`, or Nones."""
    text = str(loc)
    # loc("file":3:4), loc(callsite(...)), loc("name"("file":3:4)), fused[...]: take the first file:line:col.
    m = re.search(r'"([^"]*)":(\d+):(\d+)', text)
    if not m:
        return None, None, None
    return m.group(1), int(m.group(2)), int(m.group(3))


@dataclass
class Diagnostics:
    """Collects diagnostics; library code never prints."""

    items: list[Diagnostic] = field(default_factory=list)

    def emit(self, severity: str, message: str, loc: ir.Location | None = None) -> None:
        file, line, col = location_parts(loc) if loc is not None else (None, None, None)
        self.items.append(Diagnostic(severity, message, file, line, col))

    def warning(self, message: str, loc: ir.Location | None = None) -> None:
        self.emit("warning", message, loc)

    def error(self, message: str, loc: ir.Location | None = None) -> None:
        self.emit("error", message, loc)

    def remark(self, message: str, loc: ir.Location | None = None) -> None:
        self.emit("remark", message, loc)
