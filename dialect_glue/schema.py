"""The egglog schema: sorts and constructors for StableHLO terms.

The op table (`ops.py`) is the source of truth: `Tensor` has one constructor per op in
`ops.ALL_SPECS` (same egglog name, same argument names, kinds and order: result type first,
`extra` attribute key last) plus the structural ones of `ops.LEAF_SPECS` (`Input`, `Const`,
`Splat`, `Opaque`, `Proj`), and `TList` the cells of `ops.LIST_SPECS`. They are declared here
by hand because the rules in `rules/` use them as a typed DSL; `test/python/test_op_table.py`
checks that this file and the op table agree. Terms are inserted as egglog text using the
egglog names (`passes/egraph.py`).
"""

from __future__ import annotations

from egglog import Expr, String, StringLike, Vec, function, i64, i64Like, method, relation


class Ty(Expr, egg_sort="Ty"):
    """A value's type: a static tensor (shape and element type) or a key into a side table."""

    @method(egg_fn="TT")
    @classmethod
    def tensor(cls, shape: Vec[i64], dtype: StringLike) -> Ty: ...

    @method(egg_fn="OT")
    @classmethod
    def other(cls, key: StringLike) -> Ty: ...


class TList(Expr, egg_sort="TList"):
    """A list of tensors: variadic operands (concatenate, dynamic_slice indices, opaque ops)."""

    @method(egg_fn="TNil")
    @classmethod
    def nil(cls) -> TList: ...

    @method(egg_fn="TCons")
    @classmethod
    def cons(cls, head: Tensor, tail: TList) -> TList: ...


class Tensor(Expr, egg_sort="Tensor"):
    """A StableHLO value."""

    @method(egg_fn="Input")
    @classmethod
    def input(cls, ty: Ty, graph: i64Like, index: i64Like) -> Tensor: ...

    @method(egg_fn="Const")
    @classmethod
    def constant(cls, ty: Ty, key: StringLike, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Splat")
    @classmethod
    def splat(cls, ty: Ty, value: StringLike) -> Tensor: ...

    @method(egg_fn="Opaque")
    @classmethod
    def opaque(cls, ty: Ty, key: StringLike, operands: TList) -> Tensor: ...

    @method(egg_fn="Proj")
    @classmethod
    def proj(cls, ty: Ty, x: Tensor, index: i64Like) -> Tensor: ...

    @method(egg_fn="Abs")
    @classmethod
    def abs(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Cbrt")
    @classmethod
    def cbrt(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Ceil")
    @classmethod
    def ceil(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Convert")
    @classmethod
    def convert(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="BitcastConvert")
    @classmethod
    def bitcast_convert(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Cos")
    @classmethod
    def cosine(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Clz")
    @classmethod
    def count_leading_zeros(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Exp")
    @classmethod
    def exponential(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Expm1")
    @classmethod
    def exponential_minus_one(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Floor")
    @classmethod
    def floor(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Imag")
    @classmethod
    def imag(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="IsFinite")
    @classmethod
    def is_finite(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Log")
    @classmethod
    def log(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Log1p")
    @classmethod
    def log_plus_one(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Logistic")
    @classmethod
    def logistic(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Neg")
    @classmethod
    def negate(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Not")
    @classmethod
    def not_(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Popcnt")
    @classmethod
    def popcnt(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Real")
    @classmethod
    def real(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="ReducePrecision")
    @classmethod
    def reduce_precision(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="RoundAfz")
    @classmethod
    def round_nearest_afz(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="RoundEven")
    @classmethod
    def round_nearest_even(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Rsqrt")
    @classmethod
    def rsqrt(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Sign")
    @classmethod
    def sign(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Sin")
    @classmethod
    def sine(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Sqrt")
    @classmethod
    def sqrt(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Tan")
    @classmethod
    def tan(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Tanh")
    @classmethod
    def tanh(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Add")
    @classmethod
    def add(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Sub")
    @classmethod
    def subtract(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Mul")
    @classmethod
    def multiply(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Div")
    @classmethod
    def divide(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Rem")
    @classmethod
    def remainder(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Max")
    @classmethod
    def maximum(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Min")
    @classmethod
    def minimum(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Pow")
    @classmethod
    def power(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Atan2")
    @classmethod
    def atan2(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="And")
    @classmethod
    def and_(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Or")
    @classmethod
    def or_(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Xor")
    @classmethod
    def xor(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Shl")
    @classmethod
    def shift_left(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="ShrA")
    @classmethod
    def shift_right_arithmetic(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="ShrL")
    @classmethod
    def shift_right_logical(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Complex")
    @classmethod
    def complex(cls, ty: Ty, x: Tensor, y: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Compare")
    @classmethod
    def compare(
        cls,
        ty: Ty,
        x: Tensor,
        y: Tensor,
        comparison_direction: StringLike,
        compare_type: StringLike,
        extra: StringLike,
    ) -> Tensor: ...

    @method(egg_fn="Select")
    @classmethod
    def select(cls, ty: Ty, x: Tensor, y: Tensor, z: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Clamp")
    @classmethod
    def clamp(cls, ty: Ty, x: Tensor, y: Tensor, z: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Iota")
    @classmethod
    def iota(cls, ty: Ty, iota_dimension: i64Like, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Bcast")
    @classmethod
    def broadcast_in_dim(
        cls, ty: Ty, x: Tensor, broadcast_dimensions: Vec[i64], extra: StringLike
    ) -> Tensor: ...

    @method(egg_fn="Reshape")
    @classmethod
    def reshape(cls, ty: Ty, x: Tensor, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Transpose")
    @classmethod
    def transpose(cls, ty: Ty, x: Tensor, permutation: Vec[i64], extra: StringLike) -> Tensor: ...

    @method(egg_fn="Dot")
    @classmethod
    def dot_general(
        cls,
        ty: Ty,
        x: Tensor,
        y: Tensor,
        lhs_batching_dimensions: Vec[i64],
        rhs_batching_dimensions: Vec[i64],
        lhs_contracting_dimensions: Vec[i64],
        rhs_contracting_dimensions: Vec[i64],
        extra: StringLike,
    ) -> Tensor: ...

    @method(egg_fn="Conv")
    @classmethod
    def convolution(
        cls,
        ty: Ty,
        x: Tensor,
        y: Tensor,
        window_strides: Vec[i64],
        padding: Vec[i64],
        lhs_dilation: Vec[i64],
        rhs_dilation: Vec[i64],
        window_reversal: Vec[i64],
        dimension_numbers: Vec[i64],
        feature_group_count: i64Like,
        batch_group_count: i64Like,
        precision_config: Vec[i64],
        extra: StringLike,
    ) -> Tensor: ...

    @method(egg_fn="Reduce")
    @classmethod
    def reduce(
        cls, ty: Ty, x: Tensor, y: Tensor, dimensions: Vec[i64], kind: StringLike, extra: StringLike
    ) -> Tensor: ...

    @method(egg_fn="ReduceWindow")
    @classmethod
    def reduce_window(
        cls,
        ty: Ty,
        x: Tensor,
        y: Tensor,
        window_dimensions: Vec[i64],
        window_strides: Vec[i64],
        base_dilations: Vec[i64],
        window_dilations: Vec[i64],
        padding: Vec[i64],
        kind: StringLike,
        extra: StringLike,
    ) -> Tensor: ...

    @method(egg_fn="Slice")
    @classmethod
    def slice(
        cls,
        ty: Ty,
        x: Tensor,
        start_indices: Vec[i64],
        limit_indices: Vec[i64],
        strides: Vec[i64],
        extra: StringLike,
    ) -> Tensor: ...

    @method(egg_fn="DSlice")
    @classmethod
    def dynamic_slice(
        cls, ty: Ty, x: Tensor, xs: TList, slice_sizes: Vec[i64], extra: StringLike
    ) -> Tensor: ...

    @method(egg_fn="DUS")
    @classmethod
    def dynamic_update_slice(cls, ty: Ty, x: Tensor, y: Tensor, xs: TList, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Concat")
    @classmethod
    def concatenate(cls, ty: Ty, xs: TList, dimension: i64Like, extra: StringLike) -> Tensor: ...

    @method(egg_fn="Pad")
    @classmethod
    def pad(
        cls,
        ty: Ty,
        x: Tensor,
        y: Tensor,
        edge_padding_low: Vec[i64],
        edge_padding_high: Vec[i64],
        interior_padding: Vec[i64],
        extra: StringLike,
    ) -> Tensor: ...

    @method(egg_fn="Reverse")
    @classmethod
    def reverse(cls, ty: Ty, x: Tensor, dimensions: Vec[i64], extra: StringLike) -> Tensor: ...

    @method(egg_fn="Tuple")
    @classmethod
    def tuple(cls, ty: Ty, xs: TList, extra: StringLike) -> Tensor: ...

    @method(egg_fn="GTE")
    @classmethod
    def get_tuple_element(cls, ty: Ty, x: Tensor, index: i64Like, extra: StringLike) -> Tensor: ...


@function(egg_fn="N", merge=lambda old, new: old)
def node(i: i64Like) -> Tensor:
    """The e-class of imported term `i` (how terms are inserted and found again)."""


# -- analyses (filled by `rules/analysis.py` and at insertion) --------------------------------------
@function(egg_fn="type-of", merge=lambda old, new: old)
def type_of(x: Tensor) -> Ty:
    """The result type of any term (every constructor carries it as its first argument)."""


@function(egg_fn="splat-of", merge=lambda old, new: old)
def splat_of(x: Tensor) -> String:
    """`"s:<value>"` when every element of `x` is that value (e.g. `"s:0"`, `"s:-0"`, `"s:1.5"`)."""


float_dtype = relation("float-dtype", String)  # element types that are IEEE floats ("f32", "bf16", ...)
int_dtype = relation("int-dtype", String)  # signless/unsigned integers wider than i1
bool_dtype = relation("bool-dtype", String)  # i1
