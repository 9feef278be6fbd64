"""The op table (`dialect_glue/ops.py`) is the source of truth: the egglog schema agrees with it,
and terms are read and built by argument name through it."""

from __future__ import annotations

import pytest
from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue import schema
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term

# egglog sorts of the schema's arguments -> op table kinds (`Ty` is the type, first and unlisted).
_KIND_OF_SORT = {"Tensor": "T", "TList": "L", "Vec[i64]": "V", "i64": "I", "String": "S"}


def _sort_name(tp: object) -> str:
    """`Vec[i64]`, `Tensor`, ... for an egglog `TypeRefWithVars`."""
    args = getattr(tp, "args", ())
    name = tp.ident.name  # type: ignore[attr-defined]
    return f"{name}[{', '.join(_sort_name(a) for a in args)}]" if args else name


def _declared(cls: type) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    """The constructors egglog-python declares for `cls`: method -> (egglog name, (name, kind)...)."""
    decl = cls.__egg_decls__.get_class_decl(cls.__egg_tp__.ident)  # type: ignore[attr-defined]
    out = {}
    for method, fn in decl.class_methods.items():
        sig = fn.signature
        args = list(zip(sig.arg_names, (_sort_name(t) for t in sig.arg_types), strict=True))
        if cls is schema.Tensor:
            assert args[0] == ("ty", "Ty"), f"Tensor.{method}: the result type comes first"
            args = args[1:]
        kinds = tuple((name, _KIND_OF_SORT.get(sort, f"?{sort}")) for name, sort in args)
        out[method] = (fn.egg_name, kinds)
    return out


def _table(sort: str) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    return {s.method: (s.ctor, s.args) for s in O.CTOR_SPECS if s.sort == sort}


@pytest.mark.parametrize("cls", [schema.Tensor, schema.TList], ids=lambda c: c.__name__)
def test_schema_matches_op_table(cls: type) -> None:
    """Every table entry is declared with its egglog name and exactly its argument names and kinds,
    in order; and the schema declares no constructor the table does not list."""
    declared, table = _declared(cls), _table(cls.__name__)
    for method, (ctor, args) in table.items():
        assert method in declared, f"schema.{cls.__name__} has no `{method}` for {ctor}"
        egg_name, declared_args = declared[method]
        where = f"schema.{cls.__name__}.{method}"
        assert egg_name == ctor, f"{where} is egglog's {egg_name}, the op table says {ctor}"
        assert declared_args == args, f"{where} takes {declared_args}, the op table says {args}"
    extra = sorted(set(declared) - set(table))
    assert not extra, f"schema.{cls.__name__} declares constructors the op table lacks: {extra}"


def test_table_is_consistent() -> None:
    ctors = [s.ctor for s in O.CTOR_SPECS]
    assert len(ctors) == len(set(ctors)), "a constructor is listed twice"
    assert len({s.mlir for s in O.ALL_SPECS}) == len(O.ALL_SPECS), "a StableHLO op is listed twice"
    for s in O.CTOR_SPECS:
        names = [name for name, _ in s.args]
        assert len(names) == len(set(names)), f"{s.ctor} has two arguments of one name"
        assert O.kinds_of(s.ctor) == s.kinds
    assert O.BY_CTOR["Dot"].params == tuple((f, "V") for f in O.DotDims._fields)


def test_named_access() -> None:
    ty = TensorTy((4, 4), "f32")
    t = Term("Transpose", ty, O.build("Transpose", x=3, permutation=(1, 0)))
    assert t.args == (3, (1, 0), "")
    assert O.operand(t, "x") == 3 and O.vec(t, "permutation") == (1, 0) and O.text(t, "extra") == ""
    assert O.params(t) == ((1, 0),)
    assert O.replaced(t, permutation=(0, 1)) == (3, (0, 1), "")
    dot = Term("Dot", ty, O.build("Dot", x=1, y=2, **O.DotDims((), (), (1,), (0,))._asdict()))
    assert dot.args == (1, 2, (), (), (1,), (0,), "")
    assert O.dot_dims(dot).lhs_contracting_dimensions == (1,)
    inp = Term(O.INPUT, ty, (0, 5))
    assert O.num(inp, "graph") == 0 and O.num(inp, "index") == 5
    with pytest.raises(TypeError):
        O.build("Dot", x=1, y=2)  # dimension numbers missing


def test_conv_dims_round_trip() -> None:
    flat = (0, 3, 1, 2, 2, 3, 0, 1, 0, 3, 1, 2)
    groups = O.conv_dims(flat)
    assert groups == ((0, 3, (1, 2)), (2, 3, (0, 1)), (0, 3, (1, 2)))
    assert O.flat_conv_dims(*groups) == flat
