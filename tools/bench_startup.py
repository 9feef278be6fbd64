"""`stablehlo-eqsat-bench-startup`: what a driver call costs against the floor of any Python MLIR tool.

    stablehlo-eqsat-bench-startup                       # examples/mlp.mlir, 15 rounds
    stablehlo-eqsat-bench-startup --file m.mlir --rounds 30 --importtime

The floor is a fresh process that imports jaxlib's MLIR bindings, registers the dialects jaxlib
ships, parses the file and prints it: what every Python tool over these bindings pays before it
does any work. The driver is `stablehlo-eqsat-opt FILE --stablehlo-eqsat -o /dev/null` (default
options, the rule and measurement caches as this user has them), run locally (never by a server).
`--served` adds the same call served by a `stablehlo-eqsat-server` that the benchmark starts for
itself (in a socket directory of its own) and stops after. All run as fresh processes,
interleaved round by round; the figures are medians of wall time. `--importtime` adds the
driver's heaviest top-level imports (`python -X importtime`).

`--cold M.mlir ...` times instead a first optimization of each module as a user meets it: a fresh
driver process with an empty measurement cache of its own (the rule library's cache as this user
has it), run locally and served, against XLA CPU's compile time of the module (the median of
three compilations in this process, after one to warm it up):

    stablehlo-eqsat-bench-startup --cold zoo/*.mlir real/*.mlir
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from stablehlo_eqsat.tools.report import geometric_mean, machine_description

# `examples/` is in the source tree, not in an installed package: from an installation, the
# example is looked for in the current directory (a checkout).
_IN_TREE = Path(__file__).resolve().parent.parent / "examples" / "mlp.mlir"
EXAMPLE = _IN_TREE if _IN_TREE.is_file() else Path("examples") / "mlp.mlir"

# The floor is its own program on purpose (PLATFORM.md's snippet), not `compat.new_mlir_context`:
# importing this package would make it part of what it is the floor of.
FLOOR = """
import sys
from jaxlib.mlir import ir
from jaxlib.mlir._mlir_libs import _chlo, _jax_mlir_ext, _stablehlo
from jaxlib.mlir.dialects import chlo, func, stablehlo

ctx = ir.Context()
registry = ir.DialectRegistry()
_jax_mlir_ext.register_dialects(registry)
ctx.append_dialect_registry(registry)
ctx.load_all_available_dialects()
_stablehlo.register_dialect(ctx)
_chlo.register_dialect(ctx)
with open(sys.argv[1]) as f:
    module = ir.Module.parse(f.read(), ctx)
sys.stdout.write(str(module))
"""


def driver_command(path: Path, *options: str) -> list[str]:
    """`stablehlo-eqsat-opt PATH OPTIONS -o /dev/null` as `[python, ...]` (the installed command)."""
    script = shutil.which("stablehlo-eqsat-opt")
    driver = [script] if script else ["-m", "stablehlo_eqsat.tools.opt"]
    return [sys.executable, *driver, str(path), *options, "-o", "/dev/null"]


def commands(path: Path) -> dict[str, list[str]]:
    """The two processes, each as `[python, ...]` (so that `-X importtime` can go in front)."""
    return {
        "floor": [sys.executable, "-c", FLOOR, str(path)],
        "driver": driver_command(path, "--stablehlo-eqsat"),
    }


# Both run with Python's bytecode cache as a user's installation has it: written on the first run
# (pip writes it at install time). Where PYTHONDONTWRITEBYTECODE is set, every process would
# recompile each module edited since its bytecode was last written (27 ms of 0.36 s here after a
# day's edits): not what a user's call costs.
# The local driver never hands its call to a server, even one this user has running.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "STABLEHLO_EQSAT_SERVER": "off"
}


def time_once(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or _ENV)
    return time.perf_counter() - start


def time_interleaved(
    cmds: dict[str, list[str]], rounds: int, envs: dict[str, dict[str, str]] | None = None
) -> dict[str, list[float]]:
    """Each command once per round, in an order rotated every round; one untimed warm-up round
    (it fills the rule cache if it is empty, the bytecode cache and the page cache)."""
    names = list(cmds)
    envs = envs or {}
    for name in names:
        time_once(cmds[name], envs.get(name))
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            samples[name].append(time_once(cmds[name], envs.get(name)))
    return samples


@contextlib.contextmanager
def served_env() -> Iterator[dict[str, str]]:
    """An environment in which a `stablehlo-eqsat-server` runs (started here, in a socket
    directory of its own; stopped after)."""
    runtime = tempfile.mkdtemp(prefix="se-bench-")
    env = {**_ENV, "XDG_RUNTIME_DIR": runtime}
    del env["STABLEHLO_EQSAT_SERVER"]
    server = [sys.executable, "-m", "stablehlo_eqsat.tools.server"]
    try:
        subprocess.run([*server, "start"], check=True, env=env, stdout=subprocess.DEVNULL)
        yield env
    finally:
        subprocess.run([*server, "stop"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(runtime, ignore_errors=True)


def top_imports(cmd: list[str], count: int) -> list[tuple[str, float]]:
    """The driver's heaviest top-level imports: (module, cumulative seconds)."""
    traced = [cmd[0], "-X", "importtime", *cmd[1:]]
    proc = subprocess.run(
        traced, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_ENV
    )
    found: list[tuple[str, float]] = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # top level: one leading space
            found.append((name.strip(), int(cumulative) / 1e6))
    return sorted(found, key=lambda nc: -nc[1])[:count]


def xla_compile_seconds(path: Path) -> float:
    """XLA CPU's compile time of the module: the median of three compilations."""
    import stablehlo_eqsat.xla as xla

    text = path.read_text()
    xla.compile_module(text)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        xla.compile_module(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold(paths: list[Path]) -> int:
    """The `--cold` table: each module's first optimization, locally and served, over XLA's compile."""
    rows = []
    with served_env() as served:
        time_once(commands(paths[0])["driver"])  # (untimed: the page and bytecode caches)
        time_once(commands(paths[0])["driver"], served)
        for i, path in enumerate(paths):
            seconds = {}
            for name in ("local", "served") if i % 2 == 0 else ("served", "local"):
                with tempfile.TemporaryDirectory() as tmp:
                    cache = Path(tmp) / "measure.json"
                    pipeline = f"builtin.module(stablehlo-eqsat{{measure-cache={cache}}})"
                    cmd = driver_command(path, "--pass-pipeline", pipeline)
                    seconds[name] = time_once(cmd, served if name == "served" else _ENV)
            rows.append((path.stem, seconds["local"], seconds["served"], xla_compile_seconds(path)))
    print(f"# First optimization (empty measurement cache) against XLA's compile: {len(paths)} modules")
    print(f"\n{machine_description('cpu')}\n")
    print("| module | local driver (s) | served (s) | XLA compile (s) | local / XLA | served / XLA |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, local, srv, xla_s in rows:
        print(f"| {name} | {local:.2f} | {srv:.2f} | {xla_s:.3f} | {local / xla_s:.1f} | {srv / xla_s:.1f} |")
    local_ratio = geometric_mean([r[1] / r[3] for r in rows])
    served_ratio = geometric_mean([r[2] / r[3] for r in rows])
    print(f"\n**geometric mean over XLA's compile: local {local_ratio:.2f}x, served {served_ratio:.2f}x**")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stablehlo-eqsat-bench-startup", description=__doc__.split("\n")[0])
    p.add_argument("--file", type=Path, default=EXAMPLE, help="module to run on (default examples/mlp.mlir)")
    p.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    p.add_argument("--importtime", action="store_true", help="also list the driver's heaviest imports")
    p.add_argument("--served", action="store_true", help="also time the call served by a running server")
    p.add_argument("--cold", type=Path, nargs="+", metavar="M", help="first optimizations of these modules")
    args = p.parse_args(argv)
    if args.cold:
        return cold(args.cold)
    if not args.file.is_file():
        p.error(f"no such file: {args.file} (run it in a checkout, or name a module with --file)")
    cmds = commands(args.file)
    with contextlib.ExitStack() as stack:
        envs = {}
        if args.served:
            envs["served"] = stack.enter_context(served_env())
            cmds["served"] = cmds["driver"]
        samples = time_interleaved(cmds, args.rounds, envs)
    med = {n: statistics.median(s) for n, s in samples.items()}
    print(f"# Driver start-up against the floor: {args.file.name}, {args.rounds} interleaved rounds")
    print(f"\n{machine_description('cpu')}\n")
    print("| process | median (s) | min (s) | max (s) |")
    print("|---|---:|---:|---:|")
    for name, s in samples.items():
        print(f"| {name} | {med[name]:.3f} | {min(s):.3f} | {max(s):.3f} |")
    print(f"\n**driver / floor: {med['driver'] / med['floor']:.2f}x** (medians)")
    if "served" in med:
        print(f"\n**served / floor: {med['served'] / med['floor']:.2f}x** (a server running)")
    if args.importtime:
        print("\n| driver import (top level) | cumulative (s) |\n|---|---:|")
        for name, seconds in top_imports(cmds["driver"], 10):
            print(f"| {name} | {seconds:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
