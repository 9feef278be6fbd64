"""Term graphs by hand, for the cost model's tests: `b.op("Add", shape, x, y)`, `b.dot(...)`."""

from __future__ import annotations

from stablehlo_eqsat.dialect_glue import ops as O
from stablehlo_eqsat.dialect_glue.graph import TensorTy, Term, TermGraph
from stablehlo_eqsat.dialect_glue.ops import DotDims

F32 = "f32"
MATMUL = DotDims((), (), (1,), (0,))


class Builder:
    """A float32 term graph built op by op; `done(*roots)` gives it."""

    def __init__(self) -> None:
        self.g = TermGraph()
        self.n_inputs = 0

    def input(self, *shape: int) -> int:
        self.n_inputs += 1
        return self.g.add(Term(O.INPUT, TensorTy(shape, F32), (0, self.n_inputs - 1)))

    def op(self, ctor: str, shape: tuple[int, ...], *kids: int) -> int:
        return self.g.add(Term(ctor, TensorTy(shape, F32), (*kids, "")))

    def splat(self, *shape: int) -> int:
        return self.g.add(Term(O.SPLAT, TensorTy(shape, F32), ("s:0",)))

    def reduce(self, x: int, shape: tuple[int, ...], dims: tuple[int, ...], kind: str = "add") -> int:
        return self.g.add(Term("Reduce", TensorTy(shape, F32), (x, self.splat(), dims, kind, "")))

    def bcast(self, x: int, shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
        return self.g.add(Term("Bcast", TensorTy(shape, F32), (x, dims, "")))

    def transpose(self, x: int, perm: tuple[int, ...]) -> int:
        shape = self.g.terms[x].ty.shape  # type: ignore[union-attr]
        return self.g.add(Term("Transpose", TensorTy(tuple(shape[p] for p in perm), F32), (x, perm, "")))

    def dot(self, a: int, b: int, shape: tuple[int, ...], dims: DotDims = MATMUL) -> int:
        return self.g.add(Term("Dot", TensorTy(shape, F32), (a, b, *dims, "")))

    def relu(self, x: int) -> int:
        zero = self.g.add(Term(O.SPLAT, self.g.terms[x].ty, ("s:0",)))
        return self.g.add(Term("Max", self.g.terms[x].ty, (x, zero, "")))

    def done(self, *roots: int) -> TermGraph:
        self.g.roots = list(roots)
        return self.g
