"""Compare the results of two runs of a program: bit for bit (any NaN equals any NaN), within a
normwise tolerance, or as an error figure; and a float64 twin of a float32 program as a referee
for how accurate float32 can be.

    compare_outputs(expected, actual)               # None, or where they first differ
    compare_outputs(expected, actual, rtol=1e-5)    # within the tolerance of reordered sums
    relative_error(expected, actual)                # the largest normwise error of the results
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from jaxlib.mlir import ir

from stablehlo_eqsat.dialect_glue.context import make_context


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.reshape(-1).view(np.uint8)


def _nan_mask(a: np.ndarray) -> np.ndarray | None:
    dt = a.dtype
    if dt.kind in "fc" or (dt.kind == "V" and "float" in dt.name):
        if dt.kind == "c":
            return np.isnan(a.real) | np.isnan(a.imag)
        return np.isnan(a.astype(np.float64)) if dt.kind == "V" else np.isnan(a)
    return None


def arrays_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-for-bit equality, except that any NaN equals any NaN (payloads and signs may differ)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if np.array_equal(_bits(a), _bits(b)):
        return True
    na, nb = _nan_mask(a), _nan_mask(b)
    if na is None or nb is None or not np.array_equal(na, nb):
        return False
    keep = ~na
    return np.array_equal(_bits(a[keep]), _bits(b[keep]))


def arrays_close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    """Equal within `rtol`, measured against the scale of the result: every element of `a` is within
    `rtol * max(|b[i]|, scale)` of `b`, where `scale` is the largest finite magnitude in `b` (at
    least 1). NaNs equal NaNs, infinities must match exactly.

    The scale term is what makes this the right test for rewrites that reorder sums
    (`reassoc`): their rounding error is bounded by the magnitudes of the summed terms, not by the
    sum, so an element where large terms cancel can be off by far more than `rtol` of itself while
    the result as a whole agrees to `rtol` (a normwise relative error). XLA's own kernels are held
    to no more: its float32 convolution is off by 2.4e-4 of itself against a float64 reference at
    one element of the corpus module `conv_general_dilated_float32_2_9_10_3_float32_4_5_3_3`, and
    by 1.6e-7 of the result's scale.
    """
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind not in "fc" and not (a.dtype.kind == "V" and "float" in a.dtype.name):
        return np.array_equal(a, b)
    wide = np.complex128 if a.dtype.kind == "c" else np.float64
    wa, wb = a.astype(wide), b.astype(wide)
    return bool(np.allclose(wa, wb, rtol=rtol, atol=rtol * _scale(wb), equal_nan=True))


def _scale(values: np.ndarray) -> float:
    """The scale a tolerance is relative to: the largest finite magnitude, at least 1."""
    finite = np.abs(values[np.isfinite(values)])
    return max(1.0, float(finite.max())) if finite.size else 1.0


def compare_outputs(
    expected: Sequence[np.ndarray], actual: Sequence[np.ndarray], rtol: float | None = None
) -> str | None:
    """None when the results agree (bit for bit, or within `rtol`); otherwise the first difference."""
    if len(expected) != len(actual):
        return f"{len(actual)} results instead of {len(expected)}"
    for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
        if e.dtype != a.dtype or e.shape != a.shape:
            return f"result {i}: {a.dtype}{list(a.shape)} instead of {e.dtype}{list(e.shape)}"
        ok = arrays_equal(e, a) if rtol is None else arrays_close(e, a, rtol)
        if not ok:
            where = _first_difference(e, a) if rtol is None else _worst_difference(e, a)
            return f"result {i} differs{where}"
    return None


def _worst_difference(e: np.ndarray, a: np.ndarray) -> str:
    """Where `a` is furthest from `e`, relative to the scale `arrays_close` uses."""
    try:
        we, wa = e.astype(np.float64).reshape(-1), a.astype(np.float64).reshape(-1)
        with np.errstate(invalid="ignore"):
            err = np.abs(wa - we) / np.maximum(np.abs(we), _scale(we))
        same = (wa == we) | (np.isnan(wa) & np.isnan(we))
        err = np.where(same, 0.0, np.where(np.isnan(err), np.inf, err))
        j = int(np.argmax(err))
        return f" at flat index {j}: {wa[j]!r} instead of {we[j]!r} ({err[j]:.2g} of the result's scale)"
    except Exception:
        return _first_difference(e, a)


# -- a float64 referee ---------------------------------------------------------------------------------
_F32 = re.compile(r"(?<=[x<\s(,:])f32(?![\w.])")
# Ops whose meaning depends on the width of a float (bit patterns, random bits), and literals
# written as bit patterns: a module with any of them is not widened.
_NOT_WIDENED = re.compile(r"bitcast_convert|rng|custom_call|reduce_precision|(?<=[<\"\s(,])0x[0-9A-Fa-f]")


def widen_f32(text: str) -> str | None:
    """`text` with every `f32` made `f64`: the same program evaluated in double precision, a
    reference for how accurate a float32 program is. None when that would change what the program
    means (bit casts, random bits, custom calls, literals written as bit patterns) or the widened
    module does not verify."""
    if _NOT_WIDENED.search(text):
        return None
    wide = _F32.sub("f64", text)
    try:
        with make_context():
            ir.Module.parse(wide).operation.verify()
    except ir.MLIRError:
        return None
    return wide


def normwise_error(x: np.ndarray, reference: np.ndarray) -> float:
    """Largest difference from `reference` over the reference's scale (`_scale`); infinite where a
    NaN or infinity of the reference is not matched."""
    r, v = reference.astype(np.float64), x.astype(np.float64)
    finite = np.isfinite(r)
    if not np.array_equal(r[~finite], v[~finite], equal_nan=True):
        return float("inf")
    if not finite.any():
        return 0.0
    with np.errstate(invalid="ignore"):
        err = np.abs(v[finite] - r[finite])
    return float(np.nan_to_num(err, nan=np.inf).max()) / _scale(r)


def _first_difference(e: np.ndarray, a: np.ndarray) -> str:
    try:
        flat_e, flat_a = e.reshape(-1), a.reshape(-1)
        for j in range(flat_e.size):
            if not arrays_equal(flat_e[j : j + 1], flat_a[j : j + 1]):
                return f" at flat index {j}: {flat_a[j]!r} instead of {flat_e[j]!r}"
    except Exception:
        pass
    return ""


def relative_error(expected: Sequence[np.ndarray], actual: Sequence[np.ndarray]) -> float:
    """Largest normwise relative error over the results (`inf` if shapes or non-floats differ, or
    NaNs and infinities do not match)."""
    worst = 0.0
    if len(expected) != len(actual):
        return math.inf
    for e, a in zip(expected, actual, strict=True):
        if e.shape != a.shape or e.dtype != a.dtype:
            return math.inf
        if e.dtype.kind not in "fc" and not (e.dtype.kind == "V" and "float" in e.dtype.name):
            if not np.array_equal(e, a):
                return math.inf
            continue
        ew, aw = e.astype(np.float64), a.astype(np.float64)
        finite = np.isfinite(ew) & np.isfinite(aw)
        if not np.array_equal(np.isnan(ew), np.isnan(aw)) or not np.array_equal(
            ew[~finite & ~np.isnan(ew)], aw[~finite & ~np.isnan(aw)]
        ):
            return math.inf
        if not finite.any():
            continue
        scale = float(np.max(np.abs(ew[finite])))
        err = float(np.max(np.abs(ew[finite] - aw[finite])))
        worst = max(worst, err / scale if scale > 0 else err)
    return worst
