"""The op table: every e-graph constructor, its arguments, their kinds and their names.

Each `OpSpec` says how one StableHLO op maps to one egglog constructor: which operands it
has (single tensors or a variadic list), which attributes become egglog literals (so that rules
can read and build them), and in which order they appear. Every constructor takes the result
type first and a side-table key for the remaining attributes (`extra`) last:

    (Transpose ty x (vec-of 1 0) "")      # stablehlo.transpose %x, dims = [1, 0]

`LEAF_SPECS` describe the constructors that are no one StableHLO op (block arguments, constants,
opaque ops, projections) and `LIST_SPECS` the cells of operand lists. Ops in no table are carried
through as opaque nodes (see `importer.py`). The egglog schema (`schema.py`) declares the same
constructors with the same argument names and kinds; `test/python/test_op_table.py` checks that
they agree.

Argument kinds, in egglog order after the type:
  T  one tensor operand              (term id)
  L  a variadic list of tensors      (tuple of term ids; an egglog `TList`)
  V  a vector of integers            (tuple[int, ...]; an egglog `Vec[i64]`)
  I  an integer                      (int; egglog `i64`)
  S  a string                        (str; egglog `String`)

Literal arguments are named after their StableHLO attribute; tensor operands are `x`, `y`, `z` in
order and a variadic list is `xs`. Code reads a term's (or an e-node's) arguments by name, through
indices computed once per constructor:

    O.operand(term, "x")  O.vec(term, "permutation")  O.num(term, "dimension")  O.text(term, "extra")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple, Protocol

# Argument values, by kind: T -> int (term id), L -> tuple[int, ...], V -> tuple[int, ...],
# I -> int, S -> str. (In a serialized e-graph, `ENode`s hold e-class ids for T and L instead.)
Arg = int | str | tuple[int, ...]

# Leaf and structural constructors that do not correspond to one StableHLO op (see `LEAF_SPECS`).
INPUT = "Input"  # (Input ty graph index): a block argument or a value captured from outside
PROJ = "Proj"  # (Proj ty x index): result `index` of a multi-result opaque op
OPAQUE = "Opaque"  # (Opaque ty key operands): any other op, kept verbatim through a side table
CONST = "Const"  # (Const ty key extra): stablehlo.constant, its value in a side table
SPLAT = "Splat"  # (Splat ty "s:<value>"): a constant whose elements all equal <value>
CONS, NIL = "TCons", "TNil"  # (TCons head tail), (TNil): the cells of a `TList`

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
    sort: ClassVar[str] = "Tensor"  # the egglog sort (and `schema` class) of the constructor

    @property
    def args(self) -> tuple[tuple[str, str], ...]:
        """(name, kind) of every argument after the type: operands, literals, then `extra`."""
        tensors = iter("xyz")
        operands = tuple((next(tensors) if kind == "T" else "xs", kind) for kind in self.operands)
        return (*operands, *self.params, ("extra", "S"))

    @property
    def kinds(self) -> str:
        """All argument kinds after the type, in egglog order (extra `S` last)."""
        return self.operands + "".join(kind for _, kind in self.params) + "S"


@dataclass(frozen=True)
class LeafSpec:
    """A constructor that is no one StableHLO op: a leaf, an opaque op, a projection, a list cell."""

    ctor: str
    method: str
    args: tuple[tuple[str, str], ...]  # (name, kind) of every argument after the type
    sort: str = "Tensor"  # the egglog sort (and `schema` class); `TList` cells take no type argument

    @property
    def kinds(self) -> str:
        return "".join(kind for _, kind in self.args)


LEAF_SPECS = [
    LeafSpec(INPUT, "input", (("graph", "I"), ("index", "I"))),
    LeafSpec(CONST, "constant", (("key", "S"), ("extra", "S"))),
    LeafSpec(SPLAT, "splat", (("value", "S"),)),
    LeafSpec(OPAQUE, "opaque", (("key", "S"), ("operands", "L"))),
    LeafSpec(PROJ, "proj", (("x", "T"), ("index", "I"))),
]
LIST_SPECS = [
    LeafSpec(CONS, "cons", (("head", "T"), ("tail", "L")), sort="TList"),
    LeafSpec(NIL, "nil", (), sort="TList"),
]


class DotDims(NamedTuple):
    """`Dot`'s dimension numbers: its four `V` arguments, named and ordered as in StableHLO."""

    lhs_batching_dimensions: tuple[int, ...] = ()
    rhs_batching_dimensions: tuple[int, ...] = ()
    lhs_contracting_dimensions: tuple[int, ...] = ()
    rhs_contracting_dimensions: tuple[int, ...] = ()


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
        tuple((name, "V") for name in DotDims._fields),  # the dimension numbers, see `DotDims`
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
    # Pooling: one input, the same one-op body as `Reduce`. Absent optional vectors stay empty;
    # `padding` is flattened [lo0, hi0, lo1, hi1, ...].
    OpSpec(
        "ReduceWindow",
        "reduce_window",
        "stablehlo.reduce_window",
        "TT",
        (
            ("window_dimensions", "V"),
            ("window_strides", "V"),
            ("base_dilations", "V"),
            ("window_dilations", "V"),
            ("padding", "V"),
            ("kind", "S"),
        ),
    ),
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

# (batch or kernel input feature, feature or kernel output feature, spatial dimensions)
ConvDimGroup = tuple[int, int, tuple[int, ...]]


def conv_dims(flat: tuple[int, ...]) -> tuple[ConvDimGroup, ConvDimGroup, ConvDimGroup]:
    """Split `Conv`'s flattened dimension numbers into (batch-or-in-feature, feature-or-out-feature,
    spatial dims) for the input, the kernel and the output."""
    n = len(flat) // 3 - 2
    i, k, o = (flat[j * (n + 2) : (j + 1) * (n + 2)] for j in range(3))
    return (i[0], i[1], tuple(i[2:])), (k[0], k[1], tuple(k[2:])), (o[0], o[1], tuple(o[2:]))


def flat_conv_dims(inp: ConvDimGroup, kernel: ConvDimGroup, out: ConvDimGroup) -> tuple[int, ...]:
    """`Conv`'s `dimension_numbers` argument: the inverse of `conv_dims`."""
    return tuple(d for first, second, spatial in (inp, kernel, out) for d in (first, second, *spatial))


ALL_SPECS: list[OpSpec] = [*UNARY, *BINARY, *STRUCTURED]
BY_CTOR: dict[str, OpSpec] = {s.ctor: s for s in ALL_SPECS}
BY_MLIR: dict[str, OpSpec] = {s.mlir: s for s in ALL_SPECS}
# Every constructor of the e-graph: the structural ones, then one per op.
CTOR_SPECS: list[LeafSpec | OpSpec] = [*LEAF_SPECS, *LIST_SPECS, *ALL_SPECS]
# The constructors a term graph is made of (lists are spelled inline in egglog, not as terms).
ALL_CTORS: frozenset[str] = frozenset([*(s.ctor for s in LEAF_SPECS), *(s.ctor for s in ALL_SPECS)])

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
REDUCING = frozenset({"Reduce", "ReduceWindow"})  # ops with a one-op body named by `kind`

# Kinds of the structural constructors (after the type), for code that walks any term generically.
LEAF_KINDS: dict[str, str] = {s.ctor: s.kinds for s in LEAF_SPECS}

_KINDS: dict[str, str] = {s.ctor: s.kinds for s in CTOR_SPECS}
# Per constructor, where its tensor operands are: (argument index, whether a list), in order.
_CHILD_SLOTS: dict[str, tuple[tuple[int, bool], ...]] = {
    ctor: tuple((i, k == "L") for i, k in enumerate(kinds) if k in "TL") for ctor, kinds in _KINDS.items()
}
# Per constructor, the position of each named argument (the accessors below read through it).
_INDEX: dict[str, dict[str, int]] = {
    s.ctor: {name: i for i, (name, _) in enumerate(s.args)} for s in CTOR_SPECS
}
# Per op, where its literal arguments are (between the operands and `extra`).
_PARAMS: dict[str, slice] = {s.ctor: slice(len(s.operands), -1) for s in ALL_SPECS}


def kinds_of(ctor: str) -> str:
    """Argument kinds after the type for any constructor."""
    return _KINDS[ctor]


def child_slots(ctor: str) -> tuple[tuple[int, bool], ...]:
    """Where the tensor operands of `ctor` are among its arguments: (index, whether a list)."""
    return _CHILD_SLOTS[ctor]


# -- reading and building arguments by name --------------------------------------------------------
class HasArgs(Protocol):
    """A `Term` or an `ENode`: a constructor and its arguments after the type."""

    @property
    def ctor(self) -> str: ...

    @property
    def args(self) -> tuple[Arg, ...]: ...


def index(ctor: str, name: str) -> int:
    """The position of argument `name` among `ctor`'s arguments (for code that holds `args` alone)."""
    return _INDEX[ctor][name]


def arg(term: HasArgs, name: str) -> Arg:
    """Argument `name` of `term`, of any kind (an `ENode`'s operands are e-class ids)."""
    return term.args[_INDEX[term.ctor][name]]


def operand(term: HasArgs, name: str) -> int:
    """Tensor operand `name` (`T`) of a `Term`: its term id."""
    return term.args[_INDEX[term.ctor][name]]  # type: ignore[return-value]


def operand_list(term: HasArgs, name: str) -> tuple[int, ...]:
    """Operand list `name` (`L`) of a `Term`: its term ids."""
    return term.args[_INDEX[term.ctor][name]]  # type: ignore[return-value]


def vec(term: HasArgs, name: str) -> tuple[int, ...]:
    """Integer vector `name` (`V`) of `term`."""
    return term.args[_INDEX[term.ctor][name]]  # type: ignore[return-value]


def num(term: HasArgs, name: str) -> int:
    """Integer `name` (`I`) of `term`."""
    return term.args[_INDEX[term.ctor][name]]  # type: ignore[return-value]


def text(term: HasArgs, name: str) -> str:
    """String `name` (`S`) of `term`."""
    return term.args[_INDEX[term.ctor][name]]  # type: ignore[return-value]


def params(term: HasArgs) -> tuple[Arg, ...]:
    """The literal arguments of an op's term (`OpSpec.params`, in order), without operands or `extra`."""
    return term.args[_PARAMS[term.ctor]]


def dot_dims(term: HasArgs) -> DotDims:
    """The dimension numbers of a `Dot` term."""
    return DotDims(*(vec(term, name) for name in DotDims._fields))


def build(ctor: str, **named: Arg) -> tuple[Arg, ...]:
    """The arguments of a `ctor` term, given by name; `extra` may be left out (no attributes)."""
    names = _INDEX[ctor]
    if "extra" in names:
        named.setdefault("extra", "")
    if named.keys() != names.keys():
        raise TypeError(f"{ctor} takes {list(names)}, given {list(named)}")
    return tuple(named[name] for name in names)


def replaced(term: HasArgs, **named: Arg) -> tuple[Arg, ...]:
    """`term`'s arguments with those given by name replaced."""
    args = list(term.args)
    names = _INDEX[term.ctor]
    for name, value in named.items():
        args[names[name]] = value
    return tuple(args)
