"""Elementwise algebra: identities, annihilators, commutativity, associativity, distributivity.

Floating point is not real arithmetic: each rule names what it assumes (`rules/base.py`).
Integer rules hold under two's-complement wraparound, which StableHLO specifies.
"""

from __future__ import annotations

from collections.abc import Iterator

from egglog import String, Vec, eq, i64, rewrite
from stablehlo_eqsat.dialect_glue.schema import Tensor, Ty, bool_dtype, float_dtype, int_dtype, type_of
from stablehlo_eqsat.rules.base import FINITE, NO_SIGNED_ZERO, REASSOC, RuleFamily, RuleInfo, is_splat

FAMILY = arith = RuleFamily("arith")


@arith.register
def _commutative(x: Tensor, y: Tensor, s: Vec[i64], d: String, e: String) -> Iterator[RuleInfo]:
    t = Ty.tensor(s, d)
    # Pattern: add(x, y) -> add(y, x)   (IEEE addition and multiplication commute)
    yield arith.rule("add-commute", rewrite(Tensor.add(t, x, y, e)).to(Tensor.add(t, y, x, e)))
    yield arith.rule("mul-commute", rewrite(Tensor.multiply(t, x, y, e)).to(Tensor.multiply(t, y, x, e)))
    yield arith.rule("and-commute", rewrite(Tensor.and_(t, x, y, e)).to(Tensor.and_(t, y, x, e)))
    yield arith.rule("or-commute", rewrite(Tensor.or_(t, x, y, e)).to(Tensor.or_(t, y, x, e)))
    yield arith.rule("xor-commute", rewrite(Tensor.xor(t, x, y, e)).to(Tensor.xor(t, y, x, e)))
    # max/min of +0 and -0 may return either operand: commuting them can flip a zero's sign.
    yield arith.rule(
        "max-commute", rewrite(Tensor.maximum(t, x, y, e)).to(Tensor.maximum(t, y, x, e)), fp=NO_SIGNED_ZERO
    )
    yield arith.rule(
        "min-commute", rewrite(Tensor.minimum(t, x, y, e)).to(Tensor.minimum(t, y, x, e)), fp=NO_SIGNED_ZERO
    )


@arith.register
def _associative(
    x: Tensor, y: Tensor, z: Tensor, s: Vec[i64], d: String, e: String, e2: String
) -> Iterator[RuleInfo]:
    t = Ty.tensor(s, d)
    # Pattern: add(add(x, y), z) -> add(x, add(y, z))   (floats: rounding changes)
    yield arith.rule(
        "add-assoc",
        rewrite(Tensor.add(t, Tensor.add(t, x, y, e2), z, e)).to(
            Tensor.add(t, x, Tensor.add(t, y, z, e2), e), float_dtype(d)
        ),
        fp=REASSOC,
    )
    yield arith.rule(
        "add-assoc-int",
        rewrite(Tensor.add(t, Tensor.add(t, x, y, e2), z, e)).to(
            Tensor.add(t, x, Tensor.add(t, y, z, e2), e), int_dtype(d)
        ),
    )
    yield arith.rule(
        "mul-assoc",
        rewrite(Tensor.multiply(t, Tensor.multiply(t, x, y, e2), z, e)).to(
            Tensor.multiply(t, x, Tensor.multiply(t, y, z, e2), e), float_dtype(d)
        ),
        fp=REASSOC,
    )
    yield arith.rule(
        "mul-assoc-int",
        rewrite(Tensor.multiply(t, Tensor.multiply(t, x, y, e2), z, e)).to(
            Tensor.multiply(t, x, Tensor.multiply(t, y, z, e2), e), int_dtype(d)
        ),
    )
    # max/min are exact selections, so they associate; only the sign of equal zeros may change.
    yield arith.rule(
        "max-assoc",
        rewrite(Tensor.maximum(t, Tensor.maximum(t, x, y, e2), z, e)).to(
            Tensor.maximum(t, x, Tensor.maximum(t, y, z, e2), e)
        ),
        fp=NO_SIGNED_ZERO,
    )
    yield arith.rule(
        "min-assoc",
        rewrite(Tensor.minimum(t, Tensor.minimum(t, x, y, e2), z, e)).to(
            Tensor.minimum(t, x, Tensor.minimum(t, y, z, e2), e)
        ),
        fp=NO_SIGNED_ZERO,
    )
    yield arith.rule(
        "and-assoc",
        rewrite(Tensor.and_(t, Tensor.and_(t, x, y, e2), z, e)).to(
            Tensor.and_(t, x, Tensor.and_(t, y, z, e2), e)
        ),
    )
    yield arith.rule(
        "or-assoc",
        rewrite(Tensor.or_(t, Tensor.or_(t, x, y, e2), z, e)).to(
            Tensor.or_(t, x, Tensor.or_(t, y, z, e2), e)
        ),
    )


@arith.register
def _identities(x: Tensor, y: Tensor, s: Vec[i64], d: String, e: String) -> Iterator[RuleInfo]:
    t = Ty.tensor(s, d)
    # Pattern: add(x, -0.0) -> x   (exact: x + -0 == x for every x, -0 and NaN included)
    yield arith.rule(
        "add-neg-zero", rewrite(Tensor.add(t, x, y, e)).to(x, is_splat(y, "s:-0"), float_dtype(d))
    )
    # Pattern: add(x, +0.0) -> x   (wrong only for x = -0, which gives +0)
    yield arith.rule(
        "add-zero",
        rewrite(Tensor.add(t, x, y, e)).to(x, is_splat(y, "s:0"), float_dtype(d)),
        fp=NO_SIGNED_ZERO,
        xla=True,
    )
    yield arith.rule("add-zero-int", rewrite(Tensor.add(t, x, y, e)).to(x, is_splat(y, "s:0"), int_dtype(d)))
    # Pattern: subtract(x, +0.0) -> x   (exact: -0 - +0 == -0)
    yield arith.rule("sub-zero", rewrite(Tensor.subtract(t, x, y, e)).to(x, is_splat(y, "s:0")))
    # Pattern: multiply(x, 1) -> x ; divide(x, 1) -> x
    yield arith.rule("mul-one", rewrite(Tensor.multiply(t, x, y, e)).to(x, is_splat(y, "s:1")))
    yield arith.rule("div-one", rewrite(Tensor.divide(t, x, y, e)).to(x, is_splat(y, "s:1")))
    # Pattern: multiply(x, -1) -> negate(x) ; divide(x, -1) -> negate(x)
    yield arith.rule(
        "mul-neg-one", rewrite(Tensor.multiply(t, x, y, e)).to(Tensor.negate(t, x, e), is_splat(y, "s:-1"))
    )
    yield arith.rule(
        "div-neg-one",
        rewrite(Tensor.divide(t, x, y, e)).to(Tensor.negate(t, x, e), is_splat(y, "s:-1"), float_dtype(d)),
    )
    # Pattern: multiply(x, 2) -> add(x, x)   (exact: both are one correctly rounded x+x)
    yield arith.rule(
        "mul-two", rewrite(Tensor.multiply(t, x, y, e)).to(Tensor.add(t, x, x, e), is_splat(y, "s:2"))
    )
    # Pattern: power(x, 1) -> x
    yield arith.rule("pow-one", rewrite(Tensor.power(t, x, y, e)).to(x, is_splat(y, "s:1"), float_dtype(d)))
    # Pattern: power(x, 2) -> multiply(x, x)   (XLA does this; pow may round differently)
    yield arith.rule(
        "pow-two",
        rewrite(Tensor.power(t, x, y, e)).to(Tensor.multiply(t, x, x, e), is_splat(y, "s:2"), float_dtype(d)),
        fp=REASSOC,
        xla=True,
    )
    # Pattern: maximum(x, -inf) -> x ; minimum(x, +inf) -> x   (NaN still propagates: exact)
    yield arith.rule(
        "max-neg-inf", rewrite(Tensor.maximum(t, x, y, e)).to(x, is_splat(y, "s:-inf"), float_dtype(d))
    )
    yield arith.rule(
        "min-inf", rewrite(Tensor.minimum(t, x, y, e)).to(x, is_splat(y, "s:inf"), float_dtype(d))
    )
    # Integer and boolean identities: x & all-ones, x | 0, x ^ 0, shifts by 0.
    yield arith.rule("and-ones", rewrite(Tensor.and_(t, x, y, e)).to(x, is_splat(y, "s:-1"), int_dtype(d)))
    yield arith.rule("and-true", rewrite(Tensor.and_(t, x, y, e)).to(x, is_splat(y, "s:1"), bool_dtype(d)))
    yield arith.rule("or-zero", rewrite(Tensor.or_(t, x, y, e)).to(x, is_splat(y, "s:0")))
    yield arith.rule("xor-zero", rewrite(Tensor.xor(t, x, y, e)).to(x, is_splat(y, "s:0")))
    yield arith.rule("shl-zero", rewrite(Tensor.shift_left(t, x, y, e)).to(x, is_splat(y, "s:0")))
    yield arith.rule("shr-zero", rewrite(Tensor.shift_right_logical(t, x, y, e)).to(x, is_splat(y, "s:0")))


@arith.register
def _annihilators(x: Tensor, y: Tensor, s: Vec[i64], d: String, e: String) -> Iterator[RuleInfo]:
    t = Ty.tensor(s, d)
    zero = Tensor.splat(t, "s:0")
    # Pattern: multiply(x, 0) -> 0   (floats: wrong for NaN, ±Inf and negative x)
    yield arith.rule(
        "mul-zero-int", rewrite(Tensor.multiply(t, x, y, e)).to(zero, is_splat(y, "s:0"), int_dtype(d))
    )
    yield arith.rule(
        "mul-zero",
        rewrite(Tensor.multiply(t, x, y, e)).to(zero, is_splat(y, "s:0"), float_dtype(d)),
        fp=(FINITE, NO_SIGNED_ZERO),
    )
    # Pattern: subtract(x, x) -> 0   (floats: Inf - Inf and NaN - NaN are NaN)
    yield arith.rule("sub-self-int", rewrite(Tensor.subtract(t, x, x, e)).to(zero, int_dtype(d)))
    yield arith.rule("sub-self", rewrite(Tensor.subtract(t, x, x, e)).to(zero, float_dtype(d)), fp=FINITE)
    # Pattern: and(x, 0) -> 0 ; xor(x, x) -> 0 ; or(x, all-ones) -> all-ones
    yield arith.rule("and-zero", rewrite(Tensor.and_(t, x, y, e)).to(zero, is_splat(y, "s:0")))
    yield arith.rule("xor-self", rewrite(Tensor.xor(t, x, x, e)).to(zero))
    yield arith.rule("or-ones", rewrite(Tensor.or_(t, x, y, e)).to(y, is_splat(y, "s:-1"), int_dtype(d)))
    yield arith.rule("or-true", rewrite(Tensor.or_(t, x, y, e)).to(y, is_splat(y, "s:1"), bool_dtype(d)))


@arith.register
def _idempotent(x: Tensor, y: Tensor, s: Vec[i64], d: String, e: String, e2: String) -> Iterator[RuleInfo]:
    t = Ty.tensor(s, d)
    # Pattern: maximum(x, x) -> x ; minimum(x, x) -> x ; and(x, x) -> x ; or(x, x) -> x
    yield arith.rule("max-self", rewrite(Tensor.maximum(t, x, x, e)).to(x))
    yield arith.rule("min-self", rewrite(Tensor.minimum(t, x, x, e)).to(x))
    yield arith.rule("and-self", rewrite(Tensor.and_(t, x, x, e)).to(x))
    yield arith.rule("or-self", rewrite(Tensor.or_(t, x, x, e)).to(x))
    # Pattern: abs(abs(x)) -> abs(x) ; abs(negate(x)) -> abs(x)
    yield arith.rule("abs-abs", rewrite(Tensor.abs(t, Tensor.abs(t, x, e2), e)).to(Tensor.abs(t, x, e2)))
    yield arith.rule("abs-neg", rewrite(Tensor.abs(t, Tensor.negate(t, x, e2), e)).to(Tensor.abs(t, x, e)))
    # Pattern: negate(negate(x)) -> x ; not(not(x)) -> x
    yield arith.rule("neg-neg", rewrite(Tensor.negate(t, Tensor.negate(t, x, e2), e)).to(x))
    yield arith.rule("not-not", rewrite(Tensor.not_(t, Tensor.not_(t, x, e2), e)).to(x))
    # Pattern: floor(floor(x)) -> floor(x), likewise ceil, round, sign
    for op in (Tensor.floor, Tensor.ceil, Tensor.round_nearest_even, Tensor.round_nearest_afz, Tensor.sign):
        yield arith.rule("rounding-idempotent", rewrite(op(t, op(t, x, e2), e)).to(op(t, x, e2)))


@arith.register
def _negation(
    x: Tensor, y: Tensor, s: Vec[i64], d: String, e: String, e2: String, e3: String
) -> Iterator[RuleInfo]:
    t = Ty.tensor(s, d)
    # Pattern: subtract(x, y) <-> add(x, negate(y))   (exact in IEEE and in wraparound integers)
    yield arith.rule(
        "sub-to-add-neg",
        rewrite(Tensor.subtract(t, x, y, e)).to(Tensor.add(t, x, Tensor.negate(t, y, ""), e)),
    )
    yield arith.rule(
        "add-neg-to-sub",
        rewrite(Tensor.add(t, x, Tensor.negate(t, y, e2), e)).to(Tensor.subtract(t, x, y, e)),
    )
    # Pattern: multiply(negate(x), y) <-> negate(multiply(x, y))   (sign is applied exactly)
    yield arith.rule(
        "neg-mul-out",
        rewrite(Tensor.multiply(t, Tensor.negate(t, x, e2), y, e)).to(
            Tensor.negate(t, Tensor.multiply(t, x, y, e), e2)
        ),
    )
    yield arith.rule(
        "neg-mul-in",
        rewrite(Tensor.negate(t, Tensor.multiply(t, x, y, e), e2)).to(
            Tensor.multiply(t, Tensor.negate(t, x, e2), y, e)
        ),
    )
    # Pattern: multiply(negate(x), negate(y)) -> multiply(x, y)
    yield arith.rule(
        "neg-mul-neg",
        rewrite(Tensor.multiply(t, Tensor.negate(t, x, e2), Tensor.negate(t, y, e3), e)).to(
            Tensor.multiply(t, x, y, e)
        ),
    )
    # Pattern: divide(negate(x), y) -> negate(divide(x, y))
    yield arith.rule(
        "neg-div-out",
        rewrite(Tensor.divide(t, Tensor.negate(t, x, e2), y, e)).to(
            Tensor.negate(t, Tensor.divide(t, x, y, e), e2), float_dtype(d)
        ),
    )
    # Pattern: negate(subtract(x, y)) -> subtract(y, x)   (x == y gives -0 vs +0)
    yield arith.rule(
        "neg-sub",
        rewrite(Tensor.negate(t, Tensor.subtract(t, x, y, e), e2)).to(
            Tensor.subtract(t, y, x, e), float_dtype(d)
        ),
        fp=NO_SIGNED_ZERO,
    )
    yield arith.rule(
        "neg-sub-int",
        rewrite(Tensor.negate(t, Tensor.subtract(t, x, y, e), e2)).to(
            Tensor.subtract(t, y, x, e), int_dtype(d)
        ),
    )
    # Pattern: add(x, negate(x)) -> 0
    yield arith.rule(
        "add-neg-self",
        rewrite(Tensor.add(t, x, Tensor.negate(t, x, e2), e)).to(Tensor.splat(t, "s:0"), float_dtype(d)),
        fp=FINITE,
    )


@arith.register
def _distributive(
    x: Tensor, y: Tensor, z: Tensor, s: Vec[i64], d: String, e: String, e2: String, e3: String
) -> Iterator[RuleInfo]:
    t = Ty.tensor(s, d)
    # Pattern: add(multiply(x, y), multiply(x, z)) <-> multiply(x, add(y, z))
    lhs = Tensor.add(t, Tensor.multiply(t, x, y, e2), Tensor.multiply(t, x, z, e3), e)
    rhs = Tensor.multiply(t, x, Tensor.add(t, y, z, e), e2)
    # (x*y + x*z with x = -0, y = -z gives +0; -0 * (y + z) gives -0: the sign of zero may change)
    yield arith.rule("factor-mul-add", rewrite(lhs).to(rhs, float_dtype(d)), fp=(REASSOC, NO_SIGNED_ZERO))
    spread = Tensor.add(t, Tensor.multiply(t, x, y, e2), Tensor.multiply(t, x, z, e2), e)
    yield arith.rule(
        "distribute-mul-add", rewrite(rhs).to(spread, float_dtype(d)), fp=(REASSOC, NO_SIGNED_ZERO)
    )
    yield arith.rule("factor-mul-add-int", rewrite(lhs).to(rhs, int_dtype(d)))
    # Pattern: subtract(multiply(x, y), multiply(x, z)) -> multiply(x, subtract(y, z))
    lhs_sub = Tensor.subtract(t, Tensor.multiply(t, x, y, e2), Tensor.multiply(t, x, z, e3), e)
    yield arith.rule(
        "factor-mul-sub",
        rewrite(lhs_sub).to(Tensor.multiply(t, x, Tensor.subtract(t, y, z, e), e2), float_dtype(d)),
        fp=(REASSOC, NO_SIGNED_ZERO),
    )
    # Pattern: add(divide(x, z), divide(y, z)) -> divide(add(x, y), z)
    yield arith.rule(
        "factor-div-add",
        rewrite(Tensor.add(t, Tensor.divide(t, x, z, e2), Tensor.divide(t, y, z, e3), e)).to(
            Tensor.divide(t, Tensor.add(t, x, y, e), z, e2), float_dtype(d)
        ),
        fp=(REASSOC, NO_SIGNED_ZERO),
    )
    # Pattern: add(x, x) -> multiply(x, 2)
    yield arith.rule(
        "add-self-to-mul",
        rewrite(Tensor.add(t, x, x, e)).to(Tensor.multiply(t, x, Tensor.splat(t, "s:2"), e)),
    )


@arith.register
def _transcendental(
    x: Tensor, y: Tensor, s: Vec[i64], d: String, e: String, e2: String, e3: String
) -> Iterator[RuleInfo]:
    t = Ty.tensor(s, d)
    # Pattern: exp(add(x, y)) <-> multiply(exp(x), exp(y))   (rounding and overflow differ)
    yield arith.rule(
        "exp-add",
        rewrite(Tensor.exponential(t, Tensor.add(t, x, y, e2), e)).to(
            Tensor.multiply(t, Tensor.exponential(t, x, e), Tensor.exponential(t, y, e), e2), float_dtype(d)
        ),
        fp=(REASSOC, FINITE),
    )
    yield arith.rule(
        "exp-mul-merge",
        rewrite(Tensor.multiply(t, Tensor.exponential(t, x, e2), Tensor.exponential(t, y, e3), e)).to(
            Tensor.exponential(t, Tensor.add(t, x, y, e), e2), float_dtype(d)
        ),
        fp=(REASSOC, FINITE),
    )
    # Pattern: log(exp(x)) -> x   (exp may overflow to Inf; rounding)
    yield arith.rule(
        "log-exp",
        rewrite(Tensor.log(t, Tensor.exponential(t, x, e2), e)).to(x, float_dtype(d)),
        fp=(REASSOC, FINITE, NO_SIGNED_ZERO),
    )
    # Pattern: divide(1, sqrt(x)) <-> rsqrt(x)
    yield arith.rule(
        "rsqrt-from-div",
        rewrite(Tensor.divide(t, y, Tensor.sqrt(t, x, e2), e)).to(
            Tensor.rsqrt(t, x, e2), is_splat(y, "s:1"), float_dtype(d)
        ),
        fp=REASSOC,
    )
    # Pattern: multiply(x, rsqrt(y)) <-> divide(x, sqrt(y))
    yield arith.rule(
        "div-sqrt-to-mul-rsqrt",
        rewrite(Tensor.divide(t, x, Tensor.sqrt(t, y, e2), e)).to(
            Tensor.multiply(t, x, Tensor.rsqrt(t, y, e2), e), float_dtype(d)
        ),
        fp=REASSOC,
    )
    # Pattern: multiply(sqrt(x), sqrt(x)) -> x   (only for x >= 0, and rounding)
    yield arith.rule(
        "sqrt-square",
        rewrite(Tensor.multiply(t, Tensor.sqrt(t, x, e2), Tensor.sqrt(t, x, e3), e)).to(x, float_dtype(d)),
        fp=(REASSOC, FINITE, NO_SIGNED_ZERO),
    )
    # Pattern: tanh(negate(x)) -> negate(tanh(x)) ; sine, tan likewise (odd functions, exact in XLA)
    for odd in (Tensor.tanh, Tensor.sine, Tensor.tan):
        yield arith.rule(
            "odd-function-neg",
            rewrite(odd(t, Tensor.negate(t, x, e2), e)).to(
                Tensor.negate(t, odd(t, x, e), e2), float_dtype(d)
            ),
            fp=REASSOC,
        )
    # Pattern: cosine(negate(x)) -> cosine(x) ; abs(negate(x)) handled above
    yield arith.rule(
        "cos-neg",
        rewrite(Tensor.cosine(t, Tensor.negate(t, x, e2), e)).to(Tensor.cosine(t, x, e), float_dtype(d)),
        fp=REASSOC,
    )


@arith.register
def _select_compare(
    c: Tensor, x: Tensor, y: Tensor, lo: Tensor, hi: Tensor, s: Vec[i64], d: String, ct: String,
    tp: Ty, tx: Ty,
    e: String, e2: String, e3: String,
) -> Iterator[RuleInfo]:  # fmt: skip
    t = Ty.tensor(s, d)
    # Pattern: select(c, x, x) -> x
    yield arith.rule("select-same", rewrite(Tensor.select(t, c, x, x, e)).to(x))
    # Pattern: select(true, x, y) -> x ; select(false, x, y) -> y
    yield arith.rule("select-true", rewrite(Tensor.select(t, c, x, y, e)).to(x, is_splat(c, "s:1")))
    yield arith.rule("select-false", rewrite(Tensor.select(t, c, x, y, e)).to(y, is_splat(c, "s:0")))
    # Pattern: select(not(c), x, y) -> select(c, y, x)
    yield arith.rule(
        "select-not",
        rewrite(Tensor.select(t, Tensor.not_(tp, c, e2), x, y, e)).to(Tensor.select(t, c, y, x, e)),
    )
    # Pattern: compare(x, x, EQ) -> true for integers (floats: NaN != NaN)
    for direction, value in (
        ("EQ", "s:1"),
        ("LE", "s:1"),
        ("GE", "s:1"),
        ("NE", "s:0"),
        ("LT", "s:0"),
        ("GT", "s:0"),
    ):
        yield arith.rule(
            "compare-self-int",
            rewrite(Tensor.compare(tp, x, x, direction, ct, e)).to(
                Tensor.splat(tp, value), eq(type_of(x)).to(Ty.tensor(s, d)), int_dtype(d)
            ),
        )
    # Pattern: select(compare(x, y, GT), x, y) -> maximum(x, y)   (floats: differs on NaN and ±0)
    for direction, op in (
        ("GT", Tensor.maximum),
        ("GE", Tensor.maximum),
        ("LT", Tensor.minimum),
        ("LE", Tensor.minimum),
    ):
        pattern = Tensor.select(t, Tensor.compare(tp, x, y, direction, ct, e2), x, y, e)
        yield arith.rule("select-to-minmax-int", rewrite(pattern).to(op(t, x, y, e), int_dtype(d)))
        yield arith.rule(
            "select-to-minmax",
            rewrite(pattern).to(op(t, x, y, e), float_dtype(d)),
            fp=(FINITE, NO_SIGNED_ZERO),
        )
    # Pattern: clamp(lo, x, hi) <-> minimum(maximum(x, lo), hi)   (StableHLO defines clamp so)
    yield arith.rule(
        "clamp-to-minmax",
        rewrite(Tensor.clamp(t, lo, x, hi, e)).to(
            Tensor.minimum(t, Tensor.maximum(t, x, lo, e), hi, e),
            eq(type_of(lo)).to(t),
            eq(type_of(hi)).to(t),
        ),
        fp=NO_SIGNED_ZERO,
    )
    # Pattern: convert(convert(x)) -> convert(x) when the middle type holds every value exactly
    #          (f16/bf16 -> f32 -> f64, i8 -> i16 -> i32 -> i64: widening chains)
    for a, b in (("f16", "f32"), ("bf16", "f32"), ("f32", "f64"), ("f16", "f64"), ("i8", "i16"),
                 ("i8", "i32"),
                 ("i16", "i32"), ("i32", "i64"), ("ui8", "i32"), ("ui16", "i32"), ("i1", "i32")):  # fmt: skip
        yield arith.rule(
            "convert-widen-chain",
            rewrite(Tensor.convert(t, Tensor.convert(tx, x, e2), e)).to(
                Tensor.convert(t, x, e), eq(type_of(x)).to(Ty.tensor(s, a)), eq(tx).to(Ty.tensor(s, b))
            ),
        )
    # Pattern: convert(convert(x : T -> wider), T) -> x
    for a, b in (
        ("f16", "f32"),
        ("bf16", "f32"),
        ("f32", "f64"),
        ("i8", "i32"),
        ("i16", "i32"),
        ("i32", "i64"),
    ):
        yield arith.rule(
            "convert-roundtrip",
            rewrite(Tensor.convert(t, Tensor.convert(tx, x, e2), e)).to(
                x, eq(type_of(x)).to(t), eq(t).to(Ty.tensor(s, a)), eq(tx).to(Ty.tensor(s, b))
            ),
        )
