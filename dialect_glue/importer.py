"""StableHLO function bodies -> term graphs.

Every block becomes a `TermGraph`: block arguments and values captured from enclosing blocks
are `Input` leaves, ops in `ops.ALL_SPECS` become typed terms, and every other op becomes an
`Opaque` term that refers to the original operation (its name, attributes, result types and
location are reused verbatim at export). Bodies of nested regions (while, case, sort, opaque
reduce...) are imported as graphs of their own. Ops with side effects are threaded on an effect
chain (each takes the previous one as a hidden last operand) so that their order is kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from jaxlib.mlir import ir
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.attributes import decode_params
from stablehlo_eqsat.dialect_glue.graph import Arg, OtherTy, TensorTy, Term, TermGraph, Ty

# Typed ops with a region: a body of one binary op, named by the term's `kind`.
_ONE_OP_BODIES = frozenset(O.BY_CTOR[ctor].mlir for ctor in O.REDUCING)

# Opaque ops that are known to have no side effects (when their regions have none either).
PURE_OPAQUE = (
    frozenset(
        f"stablehlo.{n}"
        for n in (
            "gather",
            "scatter",
            "sort",
            "reduce_window",
            "select_and_scatter",
            "convolution",
            "while",
            "case",
            "if",
            "reduce",
            "map",
            "fft",
            "cholesky",
            "triangular_solve",
            "dynamic_broadcast_in_dim",
            "dynamic_reshape",
            "dynamic_iota",
            "dynamic_pad",
            "dynamic_gather",
            "dynamic_conv",
            "get_dimension_size",
            "real_dynamic_slice",
            "set_dimension_size",
            "batch_norm_inference",
            "batch_norm_training",
            "batch_norm_grad",
            "rng_bit_generator",
            "uniform_quantize",
            "uniform_dequantize",
            "optimization_barrier",
            "return",
            "constant",
            "partition_id",
            "replica_id",
            "compute_reshape_shape",
            "cstr_reshapable",
            "einsum",
            "unary_einsum",
            "torch_index_select",
            "broadcast",
            "dot",
            "transpose",
        )
    )
    | frozenset(s.mlir for s in O.ALL_SPECS)
    | frozenset({"func.return", "shape.shape_of", "shape.num_elements"})
)

# Block terminators that only yield values: they have no results but no side effect either.
TERMINATORS = frozenset({"func.return", "stablehlo.return"})

EFFECT_KEY = "!effect"


class UnsupportedFunction(Exception):
    """The function has a shape this importer does not take apart (it is left untouched)."""


@dataclass
class OpaqueInfo:
    """What an `Opaque` term stands for."""

    op: ir.Operation  # the original op, used as a template at export
    n_operands: int  # real operands first in the term's list,
    n_captures: int  # then values captured by its regions,
    effectful: bool  # then (if effectful) the previous effect.
    regions: list[int]  # graph ids of the nested region bodies


@dataclass
class GraphInfo:
    """A block imported as a term graph, with what export needs to rebuild it."""

    gid: int
    graph: TermGraph
    arg_types: list[ir.Type]
    captures: list[ir.Value]  # values from enclosing blocks, `Input` indices after the block args
    terminator: ir.Operation
    n_results: int  # roots[:n_results] are the terminator's operands; a last root is the effect chain
    locations: dict[int, ir.Location] = field(default_factory=dict)  # term id -> location of its op


@dataclass
class Tables:
    """Side tables for what does not go into egglog: MLIR attributes, types and templates."""

    consts: dict[str, ir.Attribute] = field(default_factory=dict)
    extras: dict[str, dict[str, ir.Attribute]] = field(default_factory=dict)
    other_types: dict[str, ir.Type] = field(default_factory=dict)
    other_type_keys: dict[str, str] = field(default_factory=dict)
    dtypes: dict[str, ir.Type] = field(default_factory=dict)
    opaque: dict[str, OpaqueInfo] = field(default_factory=dict)

    def extra_key(self, attrs: dict[str, ir.Attribute]) -> str:
        if not attrs:
            return ""
        text = ";".join(f"{k}={attrs[k]}" for k in sorted(attrs))
        key = "x" + hashlib.sha1(text.encode()).hexdigest()[:16]
        self.extras.setdefault(key, dict(attrs))
        return key

    def other_type(self, t: ir.Type) -> OtherTy:
        text = str(t)
        key = self.other_type_keys.get(text)
        if key is None:
            key = f"t{len(self.other_type_keys)}"
            self.other_type_keys[text] = key
            self.other_types[key] = t
        return OtherTy(key)


@dataclass
class ImportedFunction:
    """All graphs of one `func.func`: graph 0 is its body."""

    func: ir.Operation
    tables: Tables
    graphs: dict[int, GraphInfo]

    @property
    def body(self) -> GraphInfo:
        return self.graphs[0]

    def op_count(self) -> int:
        return sum(len(g.graph) for g in self.graphs.values())


def tensor_ty(t: ir.Type, tables: Tables) -> TensorTy | None:
    """The `TensorTy` of a static ranked tensor with an integer, float or complex element type."""
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape or t.encoding is not None:
        return None
    et = t.element_type
    if not isinstance(et, ir.IntegerType | ir.FloatType | ir.ComplexType):
        return None
    dtype = str(et)
    tables.dtypes.setdefault(dtype, et)
    return TensorTy(tuple(t.shape), dtype)


def any_ty(t: ir.Type, tables: Tables) -> Ty:
    return tensor_ty(t, tables) or tables.other_type(t)


class _Importer:
    def __init__(self, func_op: ir.Operation, pure_functions: frozenset[str]):
        self.func = func_op
        self.pure_functions = pure_functions
        self.tables = Tables()
        self.graphs: dict[int, GraphInfo] = {}

    # -- purity ---------------------------------------------------------------------------------
    def effectful(self, op: ir.Operation) -> bool:
        return op_is_effectful(op, self.pure_functions)

    # -- blocks -----------------------------------------------------------------------------------
    def import_block(self, block: ir.Block) -> GraphInfo:
        gid = len(self.graphs)
        graph = TermGraph()
        info = GraphInfo(gid, graph, [a.type for a in block.arguments], [], None, 0)  # type: ignore[arg-type]
        self.graphs[gid] = info
        scope: dict[ir.Value, int] = {}
        for i, arg in enumerate(block.arguments):
            scope[arg] = graph.add(Term(O.INPUT, any_ty(arg.type, self.tables), (gid, i)))
        capture_index: dict[ir.Value, int] = {}
        n_args = len(block.arguments)

        def value(v: ir.Value) -> int:
            tid = scope.get(v)
            if tid is not None:
                return tid
            # Defined in an enclosing block: a capture, numbered after the block arguments.
            idx = capture_index.get(v)
            if idx is None:
                idx = capture_index[v] = len(info.captures)
                info.captures.append(v)
            tid = graph.add(Term(O.INPUT, any_ty(v.type, self.tables), (gid, n_args + idx)))
            scope[v] = tid
            return tid

        effect: int | None = None
        operations = list(block.operations)
        if not operations:
            raise UnsupportedFunction("empty block")
        for op_view in operations[:-1]:
            op = op_view.operation
            if self.effectful(op):
                if effect is None:
                    effect = graph.add(Term(O.INPUT, OtherTy(EFFECT_KEY), (gid, -1)))
                tid = self.import_opaque(op, graph, value, effect)
                effect = tid
                self._bind_results(op, tid, graph, scope)
                info.locations.setdefault(tid, op.location)
                continue
            typed = self.import_typed(op, graph, value)
            tid = typed if typed is not None else self.import_opaque(op, graph, value, None)
            self._bind_results(op, tid, graph, scope)
            info.locations.setdefault(tid, op.location)

        terminator = operations[-1].operation
        if len(terminator.regions) or len(terminator.successors):
            raise UnsupportedFunction(f"terminator {terminator.name} has regions or successors")
        info.terminator = terminator
        graph.roots = [value(v) for v in terminator.operands]
        info.n_results = len(graph.roots)
        if effect is not None:
            graph.roots.append(effect)
        return info

    def _bind_results(self, op: ir.Operation, tid: int, graph: TermGraph, scope: dict[ir.Value, int]) -> None:
        results = list(op.results)
        if len(results) == 1:
            scope[results[0]] = tid
            return
        for i, r in enumerate(results):
            pid = graph.add(Term(O.PROJ, any_ty(r.type, self.tables), (tid, i)))
            scope[r] = pid

    # -- opaque ops -----------------------------------------------------------------------------
    def import_opaque(self, op: ir.Operation, graph: TermGraph, value, effect: int | None) -> int:  # type: ignore[no-untyped-def]
        operands = [value(v) for v in op.operands]
        region_ids: list[int] = []
        captures: list[int] = []
        for region in op.regions:
            blocks = list(region.blocks)
            if len(blocks) != 1:
                raise UnsupportedFunction(f"{op.name} has a region with {len(blocks)} blocks")
            sub = self.import_block(blocks[0])
            region_ids.append(sub.gid)
            captures.extend(value(v) for v in sub.captures)
        results = list(op.results)
        ty: Ty = any_ty(results[0].type, self.tables) if len(results) == 1 else OtherTy("")
        if effect is not None or region_ids or self._is_complex_constant(op):
            key = f"o{len(self.tables.opaque)}"  # one per op instance
        else:
            key = O.ELEMENTWISE_OPAQUE.get(op.name, "o") + self._content_hash(op)
        self.tables.opaque.setdefault(
            key, OpaqueInfo(op, len(operands), len(captures), effect is not None, region_ids)
        )
        children = tuple(operands + captures + ([effect] if effect is not None else []))
        return graph.add(Term(O.OPAQUE, ty, (key, children)))

    @staticmethod
    def _is_complex_constant(op: ir.Operation) -> bool:
        """Constants that stay opaque are complex: reading their attribute can abort the process."""
        if op.name == "stablehlo.constant":
            return True
        return any(
            isinstance(r.type, ir.ShapedType) and isinstance(r.type.element_type, ir.ComplexType)
            for r in op.results
        )

    @staticmethod
    def _content_hash(op: ir.Operation) -> str:
        text = "|".join(
            [op.name, *(f"{k}={v}" for k, v in op.attributes.items()), *(str(r.type) for r in op.results)]
        )
        return hashlib.sha1(text.encode()).hexdigest()[:20]

    # -- typed ops --------------------------------------------------------------------------------
    def import_typed(self, op: ir.Operation, graph: TermGraph, value) -> int | None:  # type: ignore[no-untyped-def]
        name = op.name
        if len(op.regions) and name not in _ONE_OP_BODIES:
            return None
        if name == "stablehlo.constant":
            return self.import_constant(op, graph)
        spec = O.BY_MLIR.get(name)
        if spec is None or len(op.results) != 1:
            return None
        tuple_ok = name in ("stablehlo.tuple", "stablehlo.get_tuple_element")
        rty = tensor_ty(op.results[0].type, self.tables)
        if rty is None and not tuple_ok:
            return None
        if not tuple_ok and any(tensor_ty(v.type, self.tables) is None for v in op.operands):
            return None
        ty = rty or self.tables.other_type(op.results[0].type)
        attrs = dict(op.attributes.items())
        try:
            params = self._params(op, spec, attrs)
        except (ValueError, TypeError, KeyError):
            return None
        if params is None:
            return None
        operand_ids = [value(v) for v in op.operands]
        args: list[Arg] = []
        pos = 0
        for kind in spec.operands:
            if kind == "T":
                args.append(operand_ids[pos])
                pos += 1
            else:  # "L": the rest (dynamic_slice/update: the index scalars)
                args.append(tuple(operand_ids[pos:]))
                pos = len(operand_ids)
        if pos != len(operand_ids):
            return None
        args.extend(params)
        args.append(self.tables.extra_key(attrs))
        return graph.add(Term(spec.ctor, ty, tuple(args)))

    def _params(self, op: ir.Operation, spec: O.OpSpec, attrs: dict[str, ir.Attribute]) -> list[Arg] | None:
        """Literal arguments of `spec`, popping the attributes they model from `attrs`."""
        if spec.ctor not in O.REDUCING:
            return decode_params(spec, attrs)
        kind = self._reduce_kind(op)
        if kind is None:
            return None
        params = decode_params(spec, attrs)
        return None if params is None else [*params, kind]

    def _reduce_kind(self, op: ir.Operation) -> str | None:
        """`add`/`mul`/... when the reduction has one input and its body is that one binary op."""
        if len(op.operands) != 2 or len(op.results) != 1 or len(op.regions) != 1:
            return None
        blocks = list(op.regions[0].blocks)
        if len(blocks) != 1:
            return None
        body = blocks[0]
        args = list(body.arguments)
        inner = [o.operation for o in body.operations]
        if len(args) != 2 or len(inner) != 2:
            return None
        comb, ret = inner
        kind = O.REDUCE_KINDS.get(comb.name)
        init_ty = op.operands[1].type
        if (
            kind is None
            or ret.name != "stablehlo.return"
            or len(comb.attributes)
            or len(ret.attributes)
            or list(ret.operands) != [comb.results[0]]
            or {comb.operands[0], comb.operands[1]} != {args[0], args[1]}
            or comb.operands[0] == comb.operands[1]
            or any(a.type != init_ty for a in args)
            or comb.results[0].type != init_ty
        ):
            return None
        return kind

    def import_constant(self, op: ir.Operation, graph: TermGraph) -> int | None:
        rty = tensor_ty(op.results[0].type, self.tables)
        if rty is None or rty.dtype.startswith("complex"):
            return None
        attrs = dict(op.attributes.items())
        value_attr = attrs.pop("value")
        key = "c" + hashlib.sha1(f"{value_attr}|{rty}".encode()).hexdigest()[:20]
        self.tables.consts.setdefault(key, value_attr)
        return graph.add(Term(O.CONST, rty, (key, self.tables.extra_key(attrs))))


def op_is_effectful(op: ir.Operation, pure_functions: frozenset[str]) -> bool:
    """Whether `op` must keep its place relative to other effectful ops."""
    name = op.name
    if name in TERMINATORS:
        return False  # a region's results, not an effect (checked before the no-results rule)
    if len(op.results) == 0:
        return True
    if name == "stablehlo.custom_call":
        # (the attribute map of the bindings has no .get)
        flag = op.attributes["has_side_effect"] if "has_side_effect" in op.attributes else None  # noqa: SIM401
        return flag is not None and ir.BoolAttr(flag).value
    if name in ("func.call", "call"):
        callee = ir.FlatSymbolRefAttr(op.attributes["callee"]).value
        return callee not in pure_functions
    if name not in PURE_OPAQUE and not name.startswith("chlo."):  # every CHLO op is pure
        return True
    return any(
        op_is_effectful(inner.operation, pure_functions)
        for region in op.regions
        for block in region.blocks
        for inner in block.operations
    )


def pure_functions(module: ir.Module) -> frozenset[str]:
    """Names of the module's functions whose bodies have no side effects (a fixpoint over calls)."""
    funcs = {
        ir.StringAttr(op.attributes["sym_name"]).value: op.operation
        for op in module.body.operations
        if op.operation.name == "func.func" and len(op.operation.regions[0].blocks)
    }
    pure: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, f in funcs.items():
            if name in pure:
                continue
            frozen = frozenset(pure)
            if not any(
                op_is_effectful(inner.operation, frozen)
                for block in f.regions[0].blocks
                for inner in block.operations
            ):
                pure.add(name)
                changed = True
    return frozenset(pure)


def import_function(func_op: ir.Operation, pure: frozenset[str]) -> ImportedFunction:
    """Import one `func.func`. Raises `UnsupportedFunction` for bodies it does not take apart."""
    blocks = list(func_op.regions[0].blocks)
    if len(blocks) != 1:
        raise UnsupportedFunction(f"body has {len(blocks)} blocks")
    imp = _Importer(func_op, pure)
    imp.import_block(blocks[0])
    return ImportedFunction(func_op, imp.tables, imp.graphs)
