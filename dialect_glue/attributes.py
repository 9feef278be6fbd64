"""Op attributes <-> the literal arguments of typed terms, for every op in `ops.ALL_SPECS`.

Import reads an op's attributes into its term's literals (`decode_params`), export writes them
back (`encode_params`); both go through the op table, so that an attribute is spelled, flattened
and defaulted in one place. Dimension numbers have a codec each (`dot_dims_*`, `conv_dims_*`),
also used to build single-op modules for measurement.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.ops import Arg

from stablehlo_eqsat.compat import stablehlo_extension

hlo = stablehlo_extension()

# `Conv`'s vectors in table order, and the attributes they come from.
_CONV_VECTORS = ("window_strides", "padding", "lhs_dilation", "rhs_dilation", "window_reversal")


def i64_array(attr: ir.Attribute) -> tuple[int, ...]:
    return tuple(int(x) for x in ir.DenseI64ArrayAttr(attr))


def integer(attr: ir.Attribute) -> int:
    return int(ir.IntegerAttr(attr).value)


# -- dimension numbers ----------------------------------------------------------------------------
def dot_dims_from_attr(attr: ir.Attribute) -> O.DotDims:
    """`#stablehlo.dot<...>` as `Dot`'s four vectors."""
    dn = hlo.DotDimensionNumbers(attr)
    return O.DotDims(
        tuple(dn.lhs_batching_dimensions),
        tuple(dn.rhs_batching_dimensions),
        tuple(dn.lhs_contracting_dimensions),
        tuple(dn.rhs_contracting_dimensions),
    )


def dot_dims_attr(dims: Sequence[tuple[int, ...]]) -> ir.Attribute:
    """`Dot`'s four vectors (an `ops.DotDims`, or the same four in order) as `#stablehlo.dot<...>`."""
    lb, rb, lc, rc = dims
    return hlo.DotDimensionNumbers.get(
        lhs_batching_dimensions=list(lb),
        rhs_batching_dimensions=list(rb),
        lhs_contracting_dimensions=list(lc),
        rhs_contracting_dimensions=list(rc),
    )


def conv_dims_from_attr(attr: ir.Attribute) -> tuple[int, ...]:
    """`#stablehlo.conv<...>` as `Conv`'s flattened `dimension_numbers` (see `ops.conv_dims`)."""
    dn = hlo.ConvDimensionNumbers(attr)
    flat = O.flat_conv_dims(
        (dn.input_batch_dimension, dn.input_feature_dimension, tuple(dn.input_spatial_dimensions)),
        (dn.kernel_input_feature_dimension, dn.kernel_output_feature_dimension,
         tuple(dn.kernel_spatial_dimensions)),
        (dn.output_batch_dimension, dn.output_feature_dimension, tuple(dn.output_spatial_dimensions)),
    )  # fmt: skip
    return tuple(int(d) for d in flat)


def conv_dims_attr(flat: tuple[int, ...]) -> ir.Attribute:
    """`Conv`'s flattened `dimension_numbers` as `#stablehlo.conv<...>`."""
    (ib, if_, isp), (ki, ko, ksp), (ob, of, osp) = O.conv_dims(flat)
    return hlo.ConvDimensionNumbers.get(
        input_batch_dimension=ib,
        input_feature_dimension=if_,
        input_spatial_dimensions=list(isp),
        kernel_input_feature_dimension=ki,
        kernel_output_feature_dimension=ko,
        kernel_spatial_dimensions=list(ksp),
        output_batch_dimension=ob,
        output_feature_dimension=of,
        output_spatial_dimensions=list(osp),
    )


# -- convolution ------------------------------------------------------------------------------------
def conv_params(attrs: dict[str, ir.Attribute]) -> list[Arg] | None:
    """`Conv`'s literals (see `ops.py`), popping the attributes they model; None keeps it opaque."""
    n = len(hlo.ConvDimensionNumbers(attrs["dimension_numbers"]).input_spatial_dimensions)
    if n == 0:
        return None
    vectors: list[tuple[int, ...]] = []
    for name in _CONV_VECTORS:
        attr = attrs.get(name)
        if attr is None:
            vectors.append(())
            continue
        if name == "padding":
            if ir.RankedTensorType(attr.type).shape != [n, 2]:
                return None
            values = tuple(int(v) for v in ir.DenseIntElementsAttr(attr))  # type: ignore[attr-defined]
        elif name == "window_reversal":
            values = tuple(int(bool(v)) for v in ir.DenseBoolArrayAttr(attr))
        else:
            values = i64_array(attr)
        if len(values) != (2 * n if name == "padding" else n):
            return None  # an empty vector would read as "absent"
        vectors.append(values)
    flat = conv_dims_from_attr(attrs["dimension_numbers"])
    if len(flat) != 3 * (n + 2):
        return None
    precision: tuple[int, ...] = ()
    if "precision_config" in attrs:
        names = [hlo.PrecisionAttr(p).value for p in ir.ArrayAttr(attrs["precision_config"])]
        if not names or any(p not in O.PRECISIONS for p in names):
            return None
        precision = tuple(O.PRECISIONS.index(p) for p in names)
    groups = [integer(attrs["feature_group_count"]), integer(attrs["batch_group_count"])]
    for name in ("dimension_numbers", "feature_group_count", "batch_group_count", "precision_config",
                 *_CONV_VECTORS):  # fmt: skip
        attrs.pop(name, None)
    return [*vectors, flat, *groups, precision]


def conv_attributes(params: Sequence[object]) -> dict[str, ir.Attribute]:
    """The attributes of a `stablehlo.convolution` from `Conv`'s literals (see `ops.py`)."""
    strides, padding, lhs_dil, rhs_dil, reversal, flat, fgc, bgc, precision = (
        tuple(p) if isinstance(p, tuple) else p
        for p in params  # type: ignore[misc]
    )
    assert isinstance(padding, tuple) and isinstance(reversal, tuple) and isinstance(precision, tuple)
    i64 = ir.IntegerType.get_signless(64)
    attrs: dict[str, ir.Attribute] = {
        "dimension_numbers": conv_dims_attr(tuple(flat)),  # type: ignore[arg-type]
        "feature_group_count": ir.IntegerAttr.get(i64, fgc),  # type: ignore[arg-type]
        "batch_group_count": ir.IntegerAttr.get(i64, bgc),  # type: ignore[arg-type]
    }
    # Empty vectors were absent in the input and stay absent.
    for name, value in (("window_strides", strides), ("lhs_dilation", lhs_dil), ("rhs_dilation", rhs_dil)):
        if value:
            attrs[name] = ir.DenseI64ArrayAttr.get(list(value))  # type: ignore[call-overload]
    if padding:
        pads = np.array(padding, dtype=np.int64).reshape(-1, 2)
        attrs["padding"] = ir.DenseElementsAttr.get(pads)  # type: ignore[call-overload]
    if reversal:
        attrs["window_reversal"] = ir.DenseBoolArrayAttr.get([bool(v) for v in reversal])
    if precision:
        attrs["precision_config"] = ir.ArrayAttr.get(
            [hlo.PrecisionAttr.get(O.PRECISIONS[p]) for p in precision]
        )
    return attrs


# -- reduce_window ----------------------------------------------------------------------------------
_WINDOW_VECTORS = ("window_dimensions", "window_strides", "base_dilations", "window_dilations")


def reduce_window_params(attrs: dict[str, ir.Attribute]) -> list[Arg] | None:
    """`ReduceWindow`'s vectors (its `kind` comes from the body), popping the attributes they
    model; an optional attribute that is absent is an empty vector. None keeps it opaque."""
    rank = len(i64_array(attrs["window_dimensions"]))
    vectors: list[tuple[int, ...]] = []
    for name in _WINDOW_VECTORS:
        attr = attrs.get(name)
        values = i64_array(attr) if attr is not None else ()
        if attr is not None and len(values) != rank:
            return None
        vectors.append(values)
    padding: tuple[int, ...] = ()
    if "padding" in attrs:
        attr = attrs["padding"]
        if ir.RankedTensorType(attr.type).shape != [rank, 2]:
            return None
        padding = tuple(int(v) for v in ir.DenseIntElementsAttr(attr))  # type: ignore[attr-defined]
        if not padding:
            return None  # an empty vector would read as "absent"
    for name in (*_WINDOW_VECTORS, "padding"):
        attrs.pop(name, None)
    return [*vectors, padding]


def reduce_window_attributes(params: Sequence[object]) -> dict[str, ir.Attribute]:
    """The attributes of a `stablehlo.reduce_window` from `ReduceWindow`'s vectors (its `kind` is
    the body, emitted by the exporter)."""
    vectors, padding = params[:4], params[4]
    attrs: dict[str, ir.Attribute] = {}
    for name, value in zip(_WINDOW_VECTORS, vectors, strict=True):
        if value:
            attrs[name] = ir.DenseI64ArrayAttr.get(list(value))  # type: ignore[call-overload]
    if padding:
        pads = np.array(padding, dtype=np.int64).reshape(-1, 2)  # type: ignore[arg-type]
        attrs["padding"] = ir.DenseElementsAttr.get(pads)  # type: ignore[call-overload]
    return attrs


# -- any typed op -----------------------------------------------------------------------------------
def decode_params(spec: O.OpSpec, attrs: dict[str, ir.Attribute]) -> list[Arg] | None:
    """`spec`'s literal arguments from an op's attributes, popping the attributes they model (what
    is left goes to `extra`); None keeps the op opaque. `Reduce`'s `kind` is no attribute (the
    importer reads it from the body) and is left out."""
    if spec.ctor == "Dot":
        return list(dot_dims_from_attr(attrs.pop("dot_dimension_numbers")))
    if spec.ctor == "Conv":
        return conv_params(attrs)
    if spec.ctor == "Compare":
        direction = hlo.ComparisonDirectionAttr(attrs.pop("comparison_direction")).value
        ctype = attrs.pop("compare_type", None)
        return [direction, hlo.ComparisonTypeAttr(ctype).value if ctype is not None else ""]
    if spec.ctor == "ReduceWindow":
        return reduce_window_params(attrs)
    out: list[Arg] = []
    for attr_name, kind in spec.params:
        if spec.ctor == "Reduce" and attr_name == "kind":
            continue
        attr = attrs.pop(attr_name)
        out.append(i64_array(attr) if kind == "V" else integer(attr))
    return out


def encode_params(spec: O.OpSpec, params: Sequence[Arg]) -> dict[str, ir.Attribute]:
    """The attributes of `spec`'s literal arguments `params` (the inverse of `decode_params`)."""
    ctor = spec.ctor
    attrs: dict[str, ir.Attribute] = {}
    if ctor == "Dot":
        return {"dot_dimension_numbers": dot_dims_attr(params)}  # type: ignore[arg-type]
    if ctor == "Conv":
        return conv_attributes(params)
    if ctor == "Compare":
        direction, ctype = params
        attrs["comparison_direction"] = hlo.ComparisonDirectionAttr.get(direction)
        if ctype:
            attrs["compare_type"] = hlo.ComparisonTypeAttr.get(ctype)
        return attrs
    if ctor == "ReduceWindow":
        return reduce_window_attributes(params)
    if ctor == "Reduce":  # (`kind` is the body, emitted by the exporter)
        return {"dimensions": ir.DenseI64ArrayAttr.get(list(params[0]))}  # type: ignore[arg-type]
    for (name, kind), value in zip(spec.params, params, strict=True):
        if kind == "V":
            attrs[name] = ir.DenseI64ArrayAttr.get(list(value))  # type: ignore[arg-type]
        else:
            width = 32 if ctor == "GTE" else 64
            attrs[name] = ir.IntegerAttr.get(ir.IntegerType.get_signless(width), value)  # type: ignore[arg-type]
    return attrs
