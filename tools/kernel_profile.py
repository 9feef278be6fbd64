"""`stablehlo-eqsat-kernel-profile`: where a model's time goes under XLA CPU, dot by dot.

    stablehlo-eqsat-kernel-profile real/*.mlir               # a Markdown report on stdout
    stablehlo-eqsat-kernel-profile m.mlir --top 12 --out profile.md

For each module: the whole program's time under XLA CPU (median of samples, XLA's default
flags, synchronous dispatch; modules with the same parameters, such as a model and its
optimized form, timed together in interleaved rounds on the same inputs), and each distinct
`dot_general` timed alone with its exact shapes, dimension numbers and element type (the pass's
`Measurer`, cached like the pass's own measurements), with how often it occurs, the kernel XLA
runs it with (`dot_cost.dot_form`), its rate in GFLOP/s against this machine's rate on a large
square matmul (timed the same way), and its share of the program. What the dots do not explain
is everything else: XLA's loop and reduction fusions, copies and the rest. Dots in loop bodies
count once (not once per trip).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Ty
from stablehlo_eqsat.passes.dot_cost import dot_form
from stablehlo_eqsat.passes.measure import Measurer

REFERENCE = 1024  # the square matmul whose rate is "the machine's matmul rate"


@dataclass(frozen=True)
class DotShape:
    """One distinct dot: its result and operand types and its dimension numbers."""

    ty: TensorTy
    lhs: TensorTy
    rhs: TensorTy
    params: tuple[object, ...]

    def describe(self) -> str:
        d = O.DotDims(*self.params)  # type: ignore[arg-type]
        batch = f"batch {list(d.lhs_batching_dimensions)}x{list(d.rhs_batching_dimensions)}, "
        contract = f"contract {list(d.lhs_contracting_dimensions)}x{list(d.rhs_contracting_dimensions)}"
        dims = (batch if d.lhs_batching_dimensions else "") + contract
        return f"{_shape(self.lhs)} x {_shape(self.rhs)}, {dims} ({self.ty.dtype})"


@dataclass
class DotRow:
    shape: DotShape
    count: int
    seconds: float | None  # one execution, timed alone
    flops: float
    kernel: str

    @property
    def gflops(self) -> float | None:
        return self.flops / self.seconds / 1e9 if self.seconds else None


@dataclass
class ModuleProfile:
    name: str
    seconds: float  # the whole program, one execution
    dots: list[DotRow] = field(default_factory=list)

    @property
    def dot_seconds(self) -> float:
        return sum(r.count * r.seconds for r in self.dots if r.seconds is not None)


def _shape(t: TensorTy) -> str:
    return "x".join(map(str, t.shape)) or "scalar"


def dots_of(text: str) -> Counter[DotShape]:
    """Every `dot_general` of the module's functions and regions, by distinct shape."""
    from jaxlib.mlir import ir
    from stablehlo_eqsat.dialect_glue.context import make_context
    from stablehlo_eqsat.dialect_glue.importer import UnsupportedFunction, import_function, pure_functions

    found: Counter[DotShape] = Counter()
    with make_context():
        module = ir.Module.parse(text)
        pure = pure_functions(module)
        for op in module.body.operations:
            if op.operation.name != "func.func" or not len(op.operation.regions[0].blocks):
                continue
            try:
                fn = import_function(op.operation, pure)
            except UnsupportedFunction:
                continue
            for info in fn.graphs.values():
                graph = info.graph
                for t in graph.live():
                    term = graph.terms[t]
                    if term.ctor != "Dot":
                        continue
                    lhs, rhs = (graph.terms[c].ty for c in term.children())
                    if (
                        isinstance(term.ty, TensorTy)
                        and isinstance(lhs, TensorTy)
                        and isinstance(rhs, TensorTy)
                    ):
                        params = tuple(term.args[len(O.BY_CTOR["Dot"].operands) : -1])
                        found[DotShape(term.ty, lhs, rhs, params)] += 1
    return found


def dot_row(shape: DotShape, count: int, measurer: Measurer) -> DotRow:
    child_tys: list[Ty] = [shape.lhs, shape.rhs]
    seconds = measurer.seconds("Dot", shape.ty, child_tys, shape.params)
    form = dot_form(shape.lhs, shape.rhs, O.DotDims(*shape.params))  # type: ignore[arg-type]
    return DotRow(shape, count, seconds, form.flops, form.kernel)


def matmul_rate(measurer: Measurer) -> float:
    """FLOP/s of a `REFERENCE`-cubed float32 matmul, timed like the model's dots."""
    n = REFERENCE
    square = TensorTy((n, n), "f32")
    row = dot_row(DotShape(square, square, square, tuple(O.DotDims((), (), (1,), (0,)))), 1, measurer)
    assert row.gflops is not None, "the reference matmul could not be timed"
    return row.gflops * 1e9


def program_seconds(text: str, rounds: int) -> float:
    (seconds,) = programs_seconds([text], rounds)
    return seconds


def programs_seconds(texts: Sequence[str], rounds: int) -> list[float]:
    """Each program's median time; programs with the same parameters (a model and its optimized
    form) are timed together, interleaved on the same inputs, so that their times compare."""
    import stablehlo_eqsat.xla as xla
    from stablehlo_eqsat.xla.timing import MEDIAN_WARMUP

    groups: dict[tuple[object, ...], list[int]] = {}
    for i, text in enumerate(texts):
        groups.setdefault(tuple(xla.arg_types_of(text)), []).append(i)
    seconds = [0.0] * len(texts)
    for types, members in groups.items():
        exes = [xla.compile_module(texts[i]) for i in members]
        args = xla.device_arrays(exes[0], xla.random_inputs(list(types), seed=0))  # type: ignore[arg-type]
        samples, _ = xla.time_interleaved(
            exes,
            args,
            rounds=rounds,
            min_rounds=3,
            seconds=len(exes),
            max_batch=100,
            warmup=MEDIAN_WARMUP,
        )
        for i, sample in zip(members, samples, strict=True):
            seconds[i] = float(sample.median)
    return seconds


def profile(
    name: str, text: str, measurer: Measurer, rounds: int, seconds: float | None = None
) -> ModuleProfile:
    """`text`'s profile; `seconds`: its program's time, if already measured (`programs_seconds`)."""
    result = ModuleProfile(name, program_seconds(text, rounds) if seconds is None else seconds)
    result.dots = sorted(
        (dot_row(s, n, measurer) for s, n in dots_of(text).items()),
        key=lambda r: -(r.count * (r.seconds or 0.0)),
    )
    return result


def report(profiles: Sequence[ModuleProfile], rate: float, top: int) -> str:
    lines = [
        "| model | program (ms) | dots alone, summed (ms) | dots / program | dot GFLOP/s (all dots) "
        "| share of dot time below 25% of the matmul rate |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for p in profiles:
        timed = [r for r in p.dots if r.seconds is not None]
        flops = sum(r.count * r.flops for r in timed)
        slow = sum(r.count * (r.seconds or 0.0) for r in timed if (r.gflops or 0.0) * 1e9 < 0.25 * rate)
        ds = p.dot_seconds
        lines.append(
            f"| {p.name} | {p.seconds * 1e3:.2f} | {ds * 1e3:.2f} | {ds / p.seconds:.2f} | "
            f"{flops / ds / 1e9 if ds else 0:.0f} | {slow / ds if ds else 0:.2f} |"
        )
    lines.append(f"\nMatmul rate here ({REFERENCE}³ float32, timed alone): {rate / 1e9:.0f} GFLOP/s.")
    for p in profiles:
        lines += [
            f"\n### {p.name}: the {min(top, len(p.dots))} costliest dots of {len(p.dots)} distinct\n",
            "| dot (lhs x rhs, dims, type) | count | kernel | us each | GFLOP/s | of matmul rate "
            "| share of program |",
            "|---|---:|---|---:|---:|---:|---:|",
        ]
        for r in p.dots[:top]:
            if r.seconds is None or r.gflops is None:
                lines.append(f"| {r.shape.describe()} | {r.count} | {r.kernel} | n/a | | | |")
                continue
            lines.append(
                f"| {r.shape.describe()} | {r.count} | {r.kernel} | {r.seconds * 1e6:.1f} | {r.gflops:.0f} | "
                f"{r.gflops * 1e9 / rate:.0%} | {r.count * r.seconds / p.seconds:.0%} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stablehlo-eqsat-kernel-profile", description=__doc__.split("\n")[0])
    p.add_argument("modules", nargs="+", type=Path, help="StableHLO modules (.mlir)")
    p.add_argument("--top", type=int, default=8, help="dots listed per module (default 8)")
    p.add_argument("--rounds", type=int, default=15, help="samples of each program (default 15)")
    p.add_argument("--budget", type=float, default=600.0, help="seconds of dot timing (default 600)")
    p.add_argument("--out", type=Path, default=None, help="write the report here too")
    args = p.parse_args(argv)
    missing = [str(m) for m in args.modules if not m.is_file()]
    if missing:
        p.error(f"no such file: {', '.join(missing)}")
    measurer = Measurer(budget_seconds=args.budget)
    rate = matmul_rate(measurer)
    texts = [path.read_text() for path in args.modules]
    print("timing the programs", file=sys.stderr)
    seconds = programs_seconds(texts, args.rounds)
    profiles = []
    for path, text, program in zip(args.modules, texts, seconds, strict=True):
        print(f"{path.stem}: profiling", file=sys.stderr)
        profiles.append(profile(path.stem, text, measurer, args.rounds, program))
    text = report(profiles, rate, args.top)
    print(text)
    if args.out is not None:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
