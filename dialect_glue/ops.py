"""The table of StableHLO ops that get typed e-graph constructors.

Each `OpSpec` says how one StableHLO op maps to one egglog constructor: which operands it
has (single tensors or a variadic list), which attributes become egglog literals (so that rules
can read and build them), and in which order they appear. Every constructor takes the result
type first and a side-table key for the remaining attributes (`extra`) last:

    (Transpose ty x (vec-of 1 0) "")      # stablehlo.transpose %x, dims = [1, 0]

Ops not in this table are carried through as opaque nodes (see `importer.py`).

Argument kinds, in egglog order after the type:
  T  one tensor operand              (term id)
  L  a variadic list of tensors      (tuple of term ids; an egglog `TList`)
  V  a vector of integers            (tuple[int, ...]; an egglog `Vec[i64]`)
  I  an integer                      (int; egglog `i64`)
  S  a string                        (str; egglog `String`)
"""

from __future__ import annotations

from dataclasses import dataclass

# Leaf and structural constructors that do not correspond to one StableHLO op.
INPUT = "Input"  # (Input ty graph index): a block argument or a value captured from outside
PROJ = "Proj"  # (Proj ty x index): result `index` of a multi-result opaque op
OPAQUE = "Opaque"  # (Opaque ty key operands): any other op, kept verbatim through a side table
CONST = "Const"  # (Const ty key extra): stablehlo.constant, its value in a side table
SPLAT = "Splat"  # (Splat ty "s:<value>"): a constant whose elements all equal <value>

# Opaque ops that XLA sees as elementwise: JAX's lowering legalizes these `chlo` ops into
# StableHLO arithmetic before XLA, which then fuses them like any other elementwise op. Their
# side-table keys carry the class (`ELEMENTWISE_KEY` + hash: a few flops per element;
# `TRANSCENDENTAL_KEY` + hash: a polynomial or series per element), so that the cost model can fuse
# them without the side table. They stay opaque to the rules.
ELEMENTWISE_KEY, TRANSCENDENTAL_KEY = "oe.", "ot."
ELEMENTWISE_OPAQUE = {
    **dict.fromkeys(
        ("chlo.square", "chlo.conj", "chlo.is_inf", "chlo.is_neg_inf", "chlo.is_pos_inf", "chlo.next_after"),
        ELEMENTWISE_KEY,
    ),
    **dict.fromkeys(
        ("chlo.erf", "chlo.erfc", "chlo.erf_inv", "chlo.lgamma", "chlo.digamma", "chlo.polygamma",
         "chlo.zeta", "chlo.sinh", "chlo.cosh", "chlo.tan", "chlo.asin", "chlo.acos", "chlo.atan",
         "chlo.asinh", "chlo.acosh", "chlo.atanh", "chlo.bessel_i1e"),
        TRANSCENDENTAL_KEY,
    ),
}  # fmt: skip


@dataclass(frozen=True)
class OpSpec:
    """How one StableHLO op becomes an egglog constructor and back."""

    ctor: str  # egglog constructor name, e.g. "Add"
    method: str  # Python method name on `schema.Tensor`, e.g. "add"
    mlir: str  # StableHLO op name, e.g. "stablehlo.add"
    operands: str  # operand kinds, e.g. "TT" or "L" or "TL"
    params: tuple[tuple[str, str], ...] = ()  # (attribute name, kind) for literal arguments
    elementwise: bool = False

    @property
    def kinds(self) -> str:
        """All argument kinds after the type, in egglog order (extra `S` last)."""
        return self.operands + "".join(kind for _, kind in self.params) + "S"


def _unary(ctor: str, name: str, method: str | None = None) -> OpSpec:
    return OpSpec(ctor, method or name, f"stablehlo.{name}", "T", elementwise=True)


def _binary(ctor: str, name: str, method: str | None = None) -> OpSpec:
    return OpSpec(ctor, method or name, f"stablehlo.{name}", "TT", elementwise=True)


UNARY = [
    _unary("Abs", "abs"),
    _unary("Cbrt", "cbrt"),
    _unary("Ceil", "ceil"),
    _unary("Convert", "convert"),
    _unary("BitcastConvert", "bitcast_convert"),
    _unary("Cos", "cosine"),
    _unary("Clz", "count_leading_zeros"),
    _unary("Exp", "exponential"),
    _unary("Expm1", "exponential_minus_one"),
    _unary("Floor", "floor"),
    _unary("Imag", "imag"),
    _unary("IsFinite", "is_finite"),
    _unary("Log", "log"),
    _unary("Log1p", "log_plus_one"),
    _unary("Logistic", "logistic"),
    _unary("Neg", "negate"),
    _unary("Not", "not", "not_"),
    _unary("Popcnt", "popcnt"),
    _unary("Real", "real"),
    _unary("ReducePrecision", "reduce_precision"),
    _unary("RoundAfz", "round_nearest_afz"),
    _unary("RoundEven", "round_nearest_even"),
    _unary("Rsqrt", "rsqrt"),
    _unary("Sign", "sign"),
    _unary("Sin", "sine"),
    _unary("Sqrt", "sqrt"),
    _unary("Tan", "tan"),
    _unary("Tanh", "tanh"),
]

BINARY = [
    _binary("Add", "add"),
    _binary("Sub", "subtract"),
    _binary("Mul", "multiply"),
    _binary("Div", "divide"),
    _binary("Rem", "remainder"),
    _binary("Max", "maximum"),
    _binary("Min", "minimum"),
    _binary("Pow", "power"),
    _binary("Atan2", "atan2"),
    _binary("And", "and", "and_"),
    _binary("Or", "or", "or_"),
    _binary("Xor", "xor"),
    _binary("Shl", "shift_left"),
    _binary("ShrA", "shift_right_arithmetic"),
    _binary("ShrL", "shift_right_logical"),
    _binary("Complex", "complex"),
]

STRUCTURED = [
    OpSpec(
        "Compare",
        "compare",
        "stablehlo.compare",
        "TT",
        (("comparison_direction", "S"), ("compare_type", "S")),
        elementwise=True,
    ),
    OpSpec("Select", "select", "stablehlo.select", "TTT", elementwise=True),
    OpSpec("Clamp", "clamp", "stablehlo.clamp", "TTT", elementwise=True),
    OpSpec("Iota", "iota", "stablehlo.iota", "", (("iota_dimension", "I"),)),
    OpSpec("Bcast", "broadcast_in_dim", "stablehlo.broadcast_in_dim", "T", (("broadcast_dimensions", "V"),)),
    OpSpec("Reshape", "reshape", "stablehlo.reshape", "T"),
    OpSpec("Transpose", "transpose", "stablehlo.transpose", "T", (("permutation", "V"),)),
    OpSpec(
        "Dot",
        "dot_general",
        "stablehlo.dot_general",
        "TT",
        (
            ("lhs_batching_dimensions", "V"),
            ("rhs_batching_dimensions", "V"),
            ("lhs_contracting_dimensions", "V"),
            ("rhs_contracting_dimensions", "V"),
        ),
    ),
    # Convolution. Vectors that are absent in the input are empty (`padding`, strides, dilations
    # and reversal default to zeros, ones and false); `padding` is the Nx2 attribute flattened row
    # by row (low0, high0, low1, high1, ...); `window_reversal` is 0/1 per spatial dimension;
    # `dimension_numbers` is flattened as `conv_dims` reads it; `precision_config` is one
    # `PRECISIONS` index per operand. Any other attribute stays in `extra`.
    OpSpec(
        "Conv",
        "convolution",
        "stablehlo.convolution",
        "TT",
        (
            ("window_strides", "V"),
            ("padding", "V"),
            ("lhs_dilation", "V"),
            ("rhs_dilation", "V"),
            ("window_reversal", "V"),
            ("dimension_numbers", "V"),
            ("feature_group_count", "I"),
            ("batch_group_count", "I"),
            ("precision_config", "V"),
        ),
    ),
    # The reduction's body is recognised when it is one binary op; `kind` names it ("add", "max", ...).
    OpSpec("Reduce", "reduce", "stablehlo.reduce", "TT", (("dimensions", "V"), ("kind", "S"))),
    OpSpec(
        "Slice",
        "slice",
        "stablehlo.slice",
        "T",
        (("start_indices", "V"), ("limit_indices", "V"), ("strides", "V")),
    ),
    OpSpec("DSlice", "dynamic_slice", "stablehlo.dynamic_slice", "TL", (("slice_sizes", "V"),)),
    OpSpec("DUS", "dynamic_update_slice", "stablehlo.dynamic_update_slice", "TTL"),
    OpSpec("Concat", "concatenate", "stablehlo.concatenate", "L", (("dimension", "I"),)),
    OpSpec(
        "Pad",
        "pad",
        "stablehlo.pad",
        "TT",
        (("edge_padding_low", "V"), ("edge_padding_high", "V"), ("interior_padding", "V")),
    ),
    OpSpec("Reverse", "reverse", "stablehlo.reverse", "T", (("dimensions", "V"),)),
    OpSpec("Tuple", "tuple", "stablehlo.tuple", "L"),
    OpSpec("GTE", "get_tuple_element", "stablehlo.get_tuple_element", "T", (("index", "I"),)),
]

# The flattened `#stablehlo.conv` dimension numbers of `Conv`, for n spatial dimensions:
#   [input_batch, input_feature, input_spatial x n,
#    kernel_input_feature, kernel_output_feature, kernel_spatial x n,
#    output_batch, output_feature, output_spatial x n]          (length 3 * (n + 2))
PRECISIONS = ("DEFAULT", "HIGH", "HIGHEST")


def conv_dims(flat: tuple[int, ...]) -> tuple[tuple[int, int, tuple[int, ...]], ...]:
    """Split `Conv`'s flattened dimension numbers into (batch-or-in-feature, feature-or-out-feature,
    spatial dims) for the input, the kernel and the output."""
    n = len(flat) // 3 - 2
    parts = [flat[i * (n + 2) : (i + 1) * (n + 2)] for i in range(3)]
    return tuple((p[0], p[1], tuple(p[2:])) for p in parts)


ALL_SPECS: list[OpSpec] = [*UNARY, *BINARY, *STRUCTURED]
BY_CTOR: dict[str, OpSpec] = {s.ctor: s for s in ALL_SPECS}
BY_MLIR: dict[str, OpSpec] = {s.mlir: s for s in ALL_SPECS}

# Reduction bodies we recognise: the single op in the body -> `kind`.
REDUCE_KINDS: dict[str, str] = {
    "stablehlo.add": "add",
    "stablehlo.multiply": "mul",
    "stablehlo.maximum": "max",
    "stablehlo.minimum": "min",
    "stablehlo.and": "and",
    "stablehlo.or": "or",
}
REDUCE_BODY_OP: dict[str, str] = {kind: name for name, kind in REDUCE_KINDS.items()}

# Kinds of the structural constructors (after the type), for code that walks any term generically.
LEAF_KINDS: dict[str, str] = {
    INPUT: "II",
    PROJ: "TI",
    OPAQUE: "SL",
    CONST: "SS",
    SPLAT: "S",
}


_KINDS: dict[str, str] = {**{s.ctor: s.kinds for s in ALL_SPECS}, **LEAF_KINDS}
# Per constructor, where its tensor operands are: (argument index, whether a list), in order.
_CHILD_SLOTS: dict[str, tuple[tuple[int, bool], ...]] = {
    ctor: tuple((i, k == "L") for i, k in enumerate(kinds) if k in "TL") for ctor, kinds in _KINDS.items()
}


def kinds_of(ctor: str) -> str:
    """Argument kinds after the type for any constructor."""
    return _KINDS[ctor]


def child_slots(ctor: str) -> tuple[tuple[int, bool], ...]:
    """Where the tensor operands of `ctor` are among its arguments: (index, whether a list)."""
    return _CHILD_SLOTS[ctor]
