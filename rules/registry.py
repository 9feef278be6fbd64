"""Which rulesets run under which `--fp-mode`."""

from __future__ import annotations

from egglog import Ruleset

FP_CLASSES = ("exact", "reassoc", "finite", "no-signed-zero")

# fp-mode -> the fp classes of the rules it enables.
MODE_CLASSES: dict[str, frozenset[str]] = {
    "strict": frozenset({"exact"}),
    "xla": frozenset({"exact", "no-signed-zero"}),
    "fast": frozenset(FP_CLASSES),
}


def rulesets_for(fp_mode: str) -> list[Ruleset]:
    """The rulesets to run under `fp_mode`, analyses first."""
    from stablehlo_eqsat.rules import transpose

    allowed = MODE_CLASSES[fp_mode]
    out: list[Ruleset] = []
    for module in (transpose,):
        out.extend(rs for cls, rs in module.RULESETS.items() if cls in allowed)
    return out
