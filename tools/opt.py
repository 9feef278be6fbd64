"""`stablehlo-eqsat-opt`: an `mlir-opt`-style driver for the stablehlo-eqsat passes.

    stablehlo-eqsat-opt in.mlir --stablehlo-eqsat -o out.mlir
    stablehlo-eqsat-opt - --pass-pipeline='builtin.module(stablehlo-eqsat{fp-mode=strict},cse)'
    stablehlo-eqsat-opt tests.mlir --split-input-file --verify-diagnostics --stablehlo-eqsat-roundtrip

Errors are printed as `file:line:col: error: message` and give exit code 1; the output file is
written atomically and only when everything succeeded.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field

SPLIT_MARKER = re.compile(r"^// -----\s*$", re.MULTILINE)
BYTECODE_MAGIC = b"ML\xefR"


class DriverError(Exception):
    """A user-facing error: printed as one line, exit code 1."""


@dataclass
class Chunk:
    text: str
    first_line: int  # 1-based line of the chunk's first line in the input file


@dataclass
class Printed:
    severity: str
    message: str
    line: int | None
    col: int | None


@dataclass
class ChunkResult:
    output: str | bytes | None
    diagnostics: list[Printed] = field(default_factory=list)
    failed: bool = False


def _build_parser(pass_names: Sequence[str]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="stablehlo-eqsat-opt",
        description="Optimize StableHLO with equality saturation (mlir-opt conventions).",
        epilog="Passes: " + ", ".join(f"--{n}" for n in pass_names) + " (see --list-passes); "
        "upstream MLIR passes (canonicalize, cse, inline, ...) work in --pass-pipeline and as --<name>.",
    )
    p.add_argument("input", nargs="?", default="-", help="input file (.mlir text or bytecode); '-' is stdin")
    p.add_argument("-o", dest="output", default="-", help="output file; '-' is stdout (default)")
    p.add_argument("--pass-pipeline", help="pipeline, e.g. 'builtin.module(stablehlo-eqsat{fp-mode=strict})'")
    p.add_argument("--split-input-file", action="store_true", help="process each '// -----' chunk separately")
    p.add_argument(
        "--verify-diagnostics", action="store_true", help="check diagnostics against expected-* comments"
    )
    p.add_argument("--emit-bytecode", action="store_true", help="write MLIR bytecode instead of text")
    p.add_argument("--allow-unregistered-dialect", action="store_true", help="accept ops of unknown dialects")
    p.add_argument("--mlir-print-debuginfo", action="store_true", help="print locations in the output")
    p.add_argument(
        "--eqsat-stats", "--explain", action="store_true", help="print per-function statistics to stderr"
    )
    p.add_argument("--list-passes", action="store_true", help="list the passes and their options, then exit")
    p.add_argument("--version", action="version", version="stablehlo-eqsat-opt 0.1.0")
    return p


def _split_pass_flags(argv: list[str], names: set[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Take `--<pass>[=options]` flags out of argv, in order."""
    rest: list[str] = []
    passes: list[tuple[str, str]] = []
    known_flags = {
        "--pass-pipeline", "--split-input-file", "--verify-diagnostics", "--emit-bytecode",
        "--allow-unregistered-dialect", "--mlir-print-debuginfo", "--eqsat-stats", "--explain",
        "--list-passes", "--version", "--help",
    }  # fmt: skip
    for arg in argv:
        if arg.startswith("--") and len(arg) > 2:
            name, _, opts = arg[2:].partition("=")
            if name in names or ("--" + name not in known_flags and re.fullmatch(r"[a-z][a-z0-9-]*", name)):
                passes.append((name, opts))
                continue
        rest.append(arg)
    return rest, passes


def _pipeline_text(passes: list[tuple[str, str]]) -> str:
    items = []
    for name, opts in passes:
        items.append(f"{name}{{{opts}}}" if opts else name)
    return ",".join(items)


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise DriverError(f"{path}: error: could not open input file: no such file") from None
    except IsADirectoryError:
        raise DriverError(f"{path}: error: could not open input file: is a directory") from None
    except OSError as e:
        raise DriverError(f"{path}: error: could not open input file: {e.strerror}") from None


def _split_chunks(text: str, split: bool) -> list[Chunk]:
    if not split:
        return [Chunk(text, 1)]
    chunks: list[Chunk] = []
    start, line = 0, 1
    for m in SPLIT_MARKER.finditer(text):
        chunks.append(Chunk(text[start : m.start()], line))
        line += text.count("\n", start, m.end()) + 1
        start = m.end() + 1
    chunks.append(Chunk(text[start:], line))
    return chunks


def _write_atomically(path: str, data: bytes) -> None:
    if os.path.exists(path) and not os.path.isfile(path):
        # A device or pipe (`-o /dev/null`): there is nothing to replace atomically.
        with open(path, "wb") as f:
            f.write(data)
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".stablehlo-eqsat-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- one chunk ------------------------------------------------------------------------------------
def _process_chunk(chunk: Chunk, data: bytes | None, args: argparse.Namespace, pipeline: str) -> ChunkResult:
    from pathlib import Path

    from stablehlo_eqsat.passes.pipeline import run_pipeline
    from stablehlo_eqsat.passes.registry import PipelineError
    from stablehlo_eqsat.passes.reports import describe, measure_summary

    source: str | bytes | Path
    if data is not None:
        source = data
    elif not args.split_input_file and args.input != "-":
        source = Path(args.input)  # parsing the file itself gives locations its real name (not "-")
    else:
        source = chunk.text
    try:
        run = run_pipeline(source, pipeline or [], allow_unregistered=args.allow_unregistered_dialect)
    except PipelineError as e:
        raise DriverError(f"stablehlo-eqsat-opt: error: {e}") from None
    offset = chunk.first_line - 1
    result = ChunkResult(None, failed=not run.ok)
    for d in run.diagnostics:
        line = d.line + offset if d.line is not None else None
        result.diagnostics.append(Printed(d.severity, d.message, line, d.col))
    if args.eqsat_stats:
        for name, reports in run.reports:
            if reports:
                summary = measure_summary(name, reports)
                for line_text in ([summary] if summary else []) + [describe(name, r) for r in reports]:
                    print(line_text, file=sys.stderr)
    if run.ok:
        output = run.output(bytecode=args.emit_bytecode, debug_info=args.mlir_print_debuginfo)
        result.output = output.decode() if isinstance(output, bytes) and not args.emit_bytecode else output
    return result


# -- expected diagnostics ---------------------------------------------------------------------------
_EXPECTED = re.compile(r"//\s*expected-(error|warning|note|remark)\s*(@[+-]?\w+)?\s*\{\{(.*?)\}\}")


def _expected(chunk: Chunk) -> list[tuple[str, int, str]]:
    out = []
    for i, line in enumerate(chunk.text.splitlines()):
        for m in _EXPECTED.finditer(line):
            severity, where, text = m.groups()
            lineno = chunk.first_line + i
            if where:
                w = where[1:]
                if w.startswith(("+", "-")):
                    lineno += int(w)
                elif w == "above":
                    lineno -= 1
                elif w == "below":
                    lineno += 1
            out.append((severity, lineno, text))
    return out


def _check_expected(chunk: Chunk, result: ChunkResult, path: str) -> list[str]:
    """Messages for mismatches between produced and expected diagnostics."""
    expected = _expected(chunk)
    problems: list[str] = []
    unmatched = list(result.diagnostics)
    for severity, line, text in expected:
        hit = next(
            (d for d in unmatched if d.severity == severity and d.line == line and text in d.message), None
        )
        if hit is None:
            problems.append(f'{path}:{line}: error: expected {severity} "{text}" was not produced')
        else:
            unmatched.remove(hit)
    for d in unmatched:
        where = f"{path}:{d.line}:{d.col}" if d.line is not None else path
        problems.append(f"{where}: error: unexpected {d.severity}: {d.message}")
    return problems


# -- main -------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """The command line (`argv`, else `sys.argv`); run by this environment's server when one is
    running (`stablehlo-eqsat-server`: the same output, diagnostics and exit code, without the
    start-up), else here."""
    if argv is None:
        from stablehlo_eqsat.tools.server import forward

        served = forward(sys.argv[1:])
        if served is not None:
            return served
    from stablehlo_eqsat.passes.registry import pass_names

    names = pass_names()
    raw = list(sys.argv[1:] if argv is None else argv)
    rest, shorthand = _split_pass_flags(raw, set(names))
    parser = _build_parser(names)
    args = parser.parse_args(rest)
    if args.list_passes:
        from stablehlo_eqsat.passes.registry import pass_class, pass_options

        for n in names:
            print(f"  --{n}: {pass_class(n).summary}")
            for opt, typ, default, doc in pass_options(n):
                print(f"      {opt}=<{typ}> (default {default}): {doc}")
        return 0
    try:
        return _run(args, shorthand)
    except DriverError as e:
        print(str(e), file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, shorthand: list[tuple[str, str]]) -> int:
    if args.pass_pipeline and shorthand:
        raise DriverError(
            "stablehlo-eqsat-opt: error: use either --pass-pipeline or --<pass> flags, not both"
        )
    pipeline = args.pass_pipeline or _pipeline_text(shorthand)
    path = args.input
    shown = "<stdin>" if path == "-" else path
    raw = _read_input(path)
    if not raw.strip():
        raise DriverError(f"{shown}:1:1: error: input is empty")
    if raw.startswith(BYTECODE_MAGIC):
        if args.split_input_file:
            raise DriverError(f"{shown}: error: --split-input-file needs text input, not bytecode")
        chunks, data = [Chunk("", 1)], raw
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DriverError(
                f"{shown}: error: input is neither MLIR text (UTF-8) nor bytecode: {e}"
            ) from None
        chunks, data = _split_chunks(text, args.split_input_file), None
    if args.emit_bytecode and len(chunks) > 1:
        raise DriverError(
            "stablehlo-eqsat-opt: error: --emit-bytecode cannot be combined with several chunks"
        )

    outputs: list[str | bytes] = []
    failed = False
    problems: list[str] = []
    for chunk in chunks:
        result = _process_chunk(chunk, data, args, pipeline)
        if args.verify_diagnostics:
            problems.extend(_check_expected(chunk, result, shown))
        else:
            for d in result.diagnostics:
                where = f"{shown}:{d.line}:{d.col}" if d.line is not None else shown
                print(f"{where}: {d.severity}: {d.message}", file=sys.stderr)
            failed |= result.failed
        if result.output is not None:
            outputs.append(result.output)
    if args.verify_diagnostics:
        for msg in problems:
            print(msg, file=sys.stderr)
        failed = bool(problems)
    if failed:
        return 1
    if args.emit_bytecode:
        payload = outputs[0] if outputs else b""
        assert isinstance(payload, bytes)
    else:
        texts = [o if isinstance(o, str) else o.decode() for o in outputs]
        payload = "// -----\n".join(t if t.endswith("\n") else t + "\n" for t in texts).encode()
    if args.output == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    else:
        try:
            _write_atomically(args.output, payload)
        except OSError as e:
            raise DriverError(f"{args.output}: error: could not write output file: {e.strerror}") from None
    return 0


if __name__ == "__main__":
    sys.exit(main())
