"""Term graphs: the Python-side form of one block of StableHLO, before and after the e-graph.

A `TermGraph` is a hash-consed DAG of `Term`s. Import fills one from an MLIR block; the e-graph
stage inserts it into egglog and builds a new one from the extracted choice; export turns it
back into MLIR. Terms are plain, hashable values so that equal subterms are stored once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stablehlo_eqsat.dialect_glue.ops import Arg, child_slots, kinds_of


@dataclass(frozen=True, slots=True)
class TensorTy:
    """A static ranked tensor type with a plain element type (`f32`, `bf16`, `i1`, `ui8`, ...)."""

    shape: tuple[int, ...]
    dtype: str

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __str__(self) -> str:
        dims = "".join(f"{d}x" for d in self.shape)
        return f"tensor<{dims}{self.dtype}>"


@dataclass(frozen=True, slots=True)
class OtherTy:
    """Any other type (tuple, token, dynamic shape, quantized...), by key into a side table."""

    key: str


Ty = TensorTy | OtherTy


@dataclass(frozen=True, slots=True)
class Term:
    """One e-node's worth of program: a constructor, its result type and its arguments.

    Read an argument by its name in the op table (`ops.operand(term, "x")`, `ops.vec(term,
    "permutation")`, ...), not by its position.
    """

    ctor: str
    ty: Ty
    args: tuple[Arg, ...]

    def children(self) -> tuple[int, ...]:
        """Term ids of the tensor operands, in order (lists flattened)."""
        slots = child_slots(self.ctor)
        args = self.args
        if len(slots) == 1 and not slots[0][1]:  # the common case: one operand
            return (args[slots[0][0]],)  # type: ignore[return-value]
        out: list[int] = []
        for i, is_list in slots:
            if is_list:
                out.extend(args[i])  # type: ignore[arg-type]
            else:
                out.append(args[i])  # type: ignore[arg-type]
        return tuple(out)

    def map_children(self, fn: dict[int, int]) -> Term:
        """The same term with its child ids renamed through `fn`."""
        new: list[Arg] = []
        for kind, arg in zip(kinds_of(self.ctor), self.args, strict=True):
            if kind == "T":
                assert isinstance(arg, int)
                new.append(fn[arg])
            elif kind == "L":
                assert isinstance(arg, tuple)
                new.append(tuple(fn[a] for a in arg))
            else:
                new.append(arg)
        return Term(self.ctor, self.ty, tuple(new))


@dataclass
class TermGraph:
    """A hash-consed DAG of terms with ordered roots (the block's results, then its effect token)."""

    terms: list[Term] = field(default_factory=list)
    index: dict[Term, int] = field(default_factory=dict)
    roots: list[int] = field(default_factory=list)

    def add(self, term: Term) -> int:
        tid = self.index.get(term)
        if tid is None:
            tid = len(self.terms)
            self.terms.append(term)
            self.index[term] = tid
        return tid

    def __len__(self) -> int:
        return len(self.terms)

    def program_key(self) -> str:
        """A stable text naming the program: its live terms in order (operands by position in
        that order, not by term id), its roots. Two graphs with the same key compute the same."""
        live = self.live()
        index = {t: i for i, t in enumerate(live)}
        rows = []
        for t in live:
            term = self.terms[t].map_children(index)
            rows.append(f"{term.ctor}|{term.ty}|{term.args!r}")
        rows.append(repr([index[r] for r in self.roots]))
        return "\n".join(rows)

    def live(self) -> list[int]:
        """Ids of the terms reachable from the roots, children before parents."""
        seen: set[int] = set()
        order: list[int] = []
        for root in self.roots:
            if root in seen:
                continue
            stack: list[tuple[int, bool]] = [(root, False)]
            while stack:
                tid, expanded = stack.pop()
                if expanded:
                    order.append(tid)
                    continue
                if tid in seen:
                    continue
                seen.add(tid)
                stack.append((tid, True))
                stack.extend((c, False) for c in self.terms[tid].children() if c not in seen)
        return order


__all__ = ["Arg", "OtherTy", "TensorTy", "Term", "TermGraph", "Ty"]
