"""Transpose rules."""

from __future__ import annotations

from egglog import String, Vec, i64, rewrite, ruleset

from stablehlo_eqsat.dialect_glue.schema import Tensor, Ty

transpose_exact = ruleset(name="transpose-exact")


@transpose_exact.register
def _transpose_of_transpose(x: Tensor, t1: Ty, t2: Ty, e1: String, e2: String) -> object:
    # Pattern: transpose(transpose(x, [1, 0]), [1, 0]) -> x   (exact: only moves elements)
    yield rewrite(
        Tensor.transpose(t1, Tensor.transpose(t2, x, Vec(i64(1), i64(0)), ""), Vec(i64(1), i64(0)), "")
    ).to(x)


RULESETS = {"exact": transpose_exact}
