"""What one run of the e-graph stages does to each graph: `EqsatConfig`, built by the passes
(`eqsat.py`) from their options and read by every stage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from stablehlo_eqsat.passes.cost import CostModel
from stablehlo_eqsat.passes.egraph import Limits
from stablehlo_eqsat.passes.profile import load_profile
from stablehlo_eqsat.rules.registry import RuleSchedule

# (key identifying programs, a function building their module texts) -> the run time of each
# after the first over the first's, or None (`Measurer.program_ratios`).
ProgramRatio = Callable[[str, Callable[[], list[str]]], list[float] | None]


class ResultStore(Protocol):
    """Where results decided by measuring are kept (`Measurer`: beside the timings)."""

    def result(self, key: str) -> dict[str, Any] | None: ...

    def store_result(self, key: str, value: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class EqsatConfig:
    """What one run of the e-graph stages does to each graph."""

    schedule: RuleSchedule | None = None
    fold_limit: int = 0  # fold constant expressions with at most this many elements (0: off)
    only_folds: frozenset[str] | None = None  # restrict folding to these folds
    limits: Limits = field(default_factory=Limits)
    extractor: str = "greedy-dag"
    refine_seconds: float = 0.0  # local search with the whole-program model after extraction
    model: CostModel = field(default_factory=lambda: CostModel(load_profile("cpu")))
    dump_dir: str = ""  # write each e-graph as JSON and graphviz here
    window: int = 0  # optimize graphs larger than this many terms in windows of this size (0: never)
    # Times modules with the same `@main` against the first (`Measurer.program_ratios`). When set,
    # a function whose convolutions were rewritten goes out as the fastest candidate measured,
    # and only if that is no slower than the input (`measured_choice.py`).
    program_ratios: ProgramRatio | None = None
    # ... except where the model, its ops measured, predicts at most this ratio after/before: such
    # a function goes out as extracted, untimed (`measured_choice.DECISIVE_RATIO`; 0: never).
    decisive_ratio: float = 0.0
    # Functions whose result was decided by measuring are stored here, keyed by their text, the
    # module's other functions, `options` (the pass options that shape the result) and this
    # package's code; a later run with all of that the same takes the stored result (`reuse.py`).
    results: ResultStore | None = None
    options: str = ""
