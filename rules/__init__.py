"""The rule library: egglog rulesets over `dialect_glue.schema`, each rule with its fp class.

Floating-point classes (what a rule assumes about arithmetic):
  exact       bit-identical results for every input, NaN, ±Inf and -0.0 included;
  reassoc     changes rounding (reassociation, distributivity, reciprocal);
  finite      assumes no NaN/Inf (x*0 -> 0, x-x -> 0);
  no-signed-zero  ignores the sign of zero (x+0 -> x).

`--fp-mode=strict` enables `exact` rules only; `xla` (the default) also what XLA's own
algebraic simplifier does; `fast` enables everything.
"""

from __future__ import annotations

from stablehlo_eqsat.rules.registry import rulesets_for

__all__ = ["rulesets_for"]
