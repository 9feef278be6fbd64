"""Named passes with typed options, and MLIR-style pass pipelines.

Our passes are frozen dataclasses (`name`, `summary`, fields = options, `apply`). The registry
imports them lazily (jax and egglog are slow to import). A pipeline string in `mlir-opt`'s
syntax, `builtin.module(stablehlo-eqsat{fp-mode=strict},cse)`, may mix our passes with the
upstream MLIR passes that jaxlib's bindings provide (canonicalize, cse, inline, symbol-dce...),
which run through MLIR's own pass manager.
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from jaxlib.mlir import ir, passmanager
from stablehlo_eqsat.passes.diagnostics import Diagnostics

# name -> "module:Class"
_PASSES: dict[str, str] = {
    "stablehlo-eqsat": "stablehlo_eqsat.passes.eqsat:EqsatPass",
    "stablehlo-eqsat-roundtrip": "stablehlo_eqsat.passes.eqsat:RoundtripPass",
}


class PipelineError(ValueError):
    """A pipeline or pass option that does not parse or names no pass."""


class Pass(Protocol):
    name: str
    summary: str

    def apply(self, module: ir.Module, diagnostics: Diagnostics) -> Any: ...


def pass_names() -> list[str]:
    return sorted(_PASSES)


def pass_class(name: str) -> type:
    module, cls = _PASSES[name].split(":")
    return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


def pass_options(name: str) -> list[tuple[str, str, Any, str]]:
    """(option name, type name, default, doc) for each option of pass `name`."""
    out = []
    for f in dataclasses.fields(pass_class(name)):
        out.append((f.name.replace("_", "-"), str(f.type), f.default, f.metadata.get("doc", "")))
    return out


def _convert(value: str, type_name: str, option: str) -> Any:
    try:
        if type_name == "int":
            return int(value)
        if type_name == "float":
            return float(value)
        if type_name == "bool":
            if value.lower() in ("1", "true", "on", "yes"):
                return True
            if value.lower() in ("0", "false", "off", "no"):
                return False
            raise ValueError(value)
    except ValueError:
        raise PipelineError(f"option '{option}' expects {type_name}, got '{value}'") from None
    return value


def parse_options(text: str) -> dict[str, str]:
    """`a=1 b=x` or `a=1,b=x` -> {'a': '1', 'b': 'x'}."""
    out: dict[str, str] = {}
    for item in text.replace(",", " ").split():
        if "=" not in item:
            out[item] = "true"
            continue
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip().strip("'\"")
    return out


def make_pass(name: str, options: dict[str, str]) -> Pass:
    if name not in _PASSES:
        raise PipelineError(f"unknown pass '{name}'")
    cls = pass_class(name)
    fields = {f.name.replace("_", "-"): f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in options.items():
        f = fields.get(key)
        if f is None:
            known = ", ".join(fields) or "none"
            raise PipelineError(f"pass '{name}' has no option '{key}' (options: {known})")
        kwargs[f.name] = _convert(value, str(f.type), key)
    try:
        return cls(**kwargs)  # type: ignore[no-any-return]
    except ValueError as e:
        raise PipelineError(f"pass '{name}': {e}") from None


@dataclass(frozen=True)
class MlirPasses:
    """A run of upstream MLIR passes, given as pipeline text."""

    text: str
    name: str = "mlir"
    summary: str = "upstream MLIR passes"

    def apply(self, module: ir.Module, diagnostics: Diagnostics) -> None:
        with module.context:
            pm = passmanager.PassManager.parse(f"builtin.module({self.text})")
            pm.run(module.operation)


def _split_top(text: str) -> list[str]:
    """Split at commas that are not inside (), {} or quotes."""
    parts, depth, cur, quote = [], 0, [], ""
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
            if depth < 0:
                raise PipelineError(f"unbalanced ')' or '}}' in '{text}'")
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if depth != 0 or quote:
        raise PipelineError(f"unbalanced brackets or quotes in '{text}'")
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def _check_mlir_pass(text: str) -> None:
    try:
        passmanager.PassManager.parse(f"builtin.module({text})")
    except (ValueError, ir.MLIRError) as e:
        msg = str(e).splitlines()[0] if str(e) else "unknown pass"
        raise PipelineError(f"'{text}': {msg}") from None


def parse_pipeline(text: str, context: ir.Context) -> list[Pass]:
    """Parse `builtin.module(p1{opt=v},p2)` (or a bare `p1,p2`) into passes to run in order."""
    text = text.strip()
    if text.startswith("builtin.module(") and text.endswith(")"):
        text = text[len("builtin.module(") : -1]
    elif text.startswith("builtin.module"):
        raise PipelineError(f"malformed pipeline '{text}'")
    passes: list[Pass] = []
    mlir_run: list[str] = []

    def flush() -> None:
        if mlir_run:
            passes.append(MlirPasses(",".join(mlir_run)))  # type: ignore[arg-type]
            mlir_run.clear()

    with context:
        for item in _split_top(text):
            if not item:
                continue
            name, _, rest = item.partition("{")
            name = name.strip()
            if name in _PASSES:
                if rest and not rest.endswith("}"):
                    raise PipelineError(f"malformed options in '{item}'")
                flush()
                passes.append(make_pass(name, parse_options(rest[:-1] if rest else "")))
            else:
                _check_mlir_pass(item)
                mlir_run.append(item)
        flush()
    return passes
