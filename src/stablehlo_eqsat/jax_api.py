"""The optimizer inside JAX flows: `optimize_exported` and a `jit`-like wrapper.

    exp = jax.export.export(jax.jit(f))(x)
    exp = optimize_exported(exp, fp_mode="strict")     # still serializes and calls
    fast_f = stablehlo_eqsat.jit(f)                    # like jax.jit, with the optimizer in between

Neither touches the module that `jax.jit(f).lower()` caches: each works on a fresh copy, so
ordinary `jax.jit(f)` calls stay unaffected.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def _pipeline(fp_mode: str, pipeline: str | None) -> str:
    return pipeline or f"builtin.module(stablehlo-eqsat{{fp-mode={fp_mode}}})"


def optimize_exported(exp: Any, *, fp_mode: str = "xla", pipeline: str | None = None) -> Any:
    """A copy of `exp` (a `jax.export.Exported`) whose StableHLO has been optimized.

    The result keeps every other field (calling convention, shardings, input/output trees)
    and serializes (`exp.serialize()`, `jax.export.deserialize`) and calls (`exp.call`) as usual.
    """
    from jax._src.export import _export
    from jax._src.interpreters import mlir as jax_mlir
    from jax._src.lib import _jax
    from jaxlib.mlir import ir

    from stablehlo_eqsat.api import optimize_module

    with jax_mlir.make_ir_context():
        module = _jax.mlir.deserialize_portable_artifact(exp.mlir_module_serialized)
        if not isinstance(module, ir.Module):
            module = ir.Module.parse(module)
        optimize_module(module, pipeline=_pipeline(fp_mode, pipeline))
        serialized = _export._module_to_bytecode(module)
    return dataclasses.replace(exp, mlir_module_serialized=serialized)


def jit(fun: F | None = None, *, fp_mode: str = "xla", pipeline: str | None = None, **jit_kwargs: Any) -> Any:
    """Like `jax.jit(fun, **jit_kwargs)`, with `stablehlo-eqsat` run on the lowered StableHLO.

    Compiled executables are cached per argument structure, shapes and dtypes (and static
    arguments), as `jax.jit` does. Usable as `@jit` or `@jit(fp_mode="strict")`.
    """
    if fun is None:
        return functools.partial(jit, fp_mode=fp_mode, pipeline=pipeline, **jit_kwargs)
    return _OptimizedJit(fun, _pipeline(fp_mode, pipeline), jit_kwargs)


class _InternalsMoved(Exception):
    """jax's lowering object no longer has the private fields the fast route swaps."""


def _static_positions(
    fun: Callable[..., Any], jit_kwargs: dict[str, Any]
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """`static_argnums` and `static_argnames` completed from each other, as `jax.jit` does: a
    parameter named static is static when passed by position too, and the reverse."""
    import inspect

    nums = jit_kwargs.get("static_argnums", ())
    names = jit_kwargs.get("static_argnames", ())
    nums = (nums,) if isinstance(nums, int) else tuple(nums or ())
    names = (names,) if isinstance(names, str) else tuple(names or ())
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        return nums, names
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    extra_names = tuple(positional[i] for i in nums if -len(positional) <= i < len(positional))
    extra_nums = tuple(positional.index(n) for n in names if n in positional)
    return tuple(dict.fromkeys(nums + extra_nums)), tuple(dict.fromkeys(names + extra_names))


class _OptimizedJit:
    def __init__(self, fun: Callable[..., Any], pipeline: str, jit_kwargs: dict[str, Any]):
        import jax

        self._fun = fun
        self._pipeline = pipeline
        self._jitted = jax.jit(fun, **jit_kwargs)
        self._static_argnums, self._static_argnames = _static_positions(fun, jit_kwargs)
        self._cache: dict[Any, Callable[..., Any]] = {}
        functools.update_wrapper(self, fun)

    def _split(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], dict[str, Any], tuple[Any, ...]]:
        """(dynamic positional args, dynamic keyword args, the static values in a hashable key)."""
        if not self._static_argnums and not self._static_argnames:
            return args, kwargs, ()
        static_pos = {i % len(args) for i in self._static_argnums if -len(args) <= i < len(args)}
        dyn_args = tuple(a for i, a in enumerate(args) if i not in static_pos)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self._static_argnames}
        static = tuple((i, args[i]) for i in sorted(static_pos)) + tuple(
            sorted((k, v) for k, v in kwargs.items() if k in self._static_argnames)
        )
        return dyn_args, dyn_kwargs, static

    @staticmethod
    def _signature(dyn_args: tuple[Any, ...], dyn_kwargs: dict[str, Any]) -> Any:
        """Tree structure, and per leaf: (shape, dtype, weak type) of arrays, the type of scalars."""
        import jax

        leaves, tree = jax.tree.flatten((dyn_args, dyn_kwargs))
        sig: list[tuple[Any, ...]] = []
        for leaf in leaves:
            shape = getattr(leaf, "shape", None)
            if shape is None:  # a Python scalar: traced as a weakly typed value, any value fits
                sig.append(("scalar", type(leaf)))
            else:
                sig.append((tuple(shape), leaf.dtype, getattr(leaf, "weak_type", False)))
        return tree, tuple(sig)

    def _cache_size(self) -> int:
        """How many executables are cached (as `jax.jit(f)._cache_size()`)."""
        return len(self._cache)

    def lower_optimized(self, *args: Any, **kwargs: Any) -> Any:
        """The `jax.stages.Lowered` for these arguments, with its StableHLO optimized."""
        from jax._src.interpreters import mlir as jax_mlir
        from jaxlib.mlir import ir

        from stablehlo_eqsat.api import optimize_module

        lowered = self._jitted.lower(*args, **kwargs)
        # jax's own lowering object: its module is replaced on a copy, never mutated.
        inner: Any = getattr(lowered, "_lowering", None)
        original = getattr(inner, "_hlo", None)
        if not isinstance(original, ir.Module) or not hasattr(inner, "_executable"):
            raise _InternalsMoved
        with original.context:
            fresh = ir.Module.parse(jax_mlir.module_to_bytecode(original))
            optimize_module(fresh, pipeline=self._pipeline)
        # `jax.jit(f).lower(...)` returns its cached lowering object again on the next call with
        # the same arguments: setting fields on it would show the optimized module to every later
        # `lower()`. Work on shallow copies of the lowering and of the `Lowered` that holds it.
        inner = copy.copy(inner)
        inner._hlo = fresh
        inner._executable = None
        lowered = copy.copy(lowered)
        lowered._lowering = inner
        return lowered

    def lower(self, *args: Any, **kwargs: Any) -> Any:
        """As `jax.jit(f).lower`: the optimized `jax.stages.Lowered` (`.as_text()`, `.compile()`)."""
        return self.lower_optimized(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        dyn_args, dyn_kwargs, static = self._split(args, kwargs)
        key = (static, self._signature(dyn_args, dyn_kwargs))
        compiled = self._cache.get(key)
        if compiled is None:
            try:
                compiled = self.lower_optimized(*args, **kwargs).compile()
            except _InternalsMoved:
                log.warning("stablehlo_eqsat.jit: using the jax.export route for %s", self._fun)
                compiled = self._export_route(*args, **kwargs)
            self._cache[key] = compiled
        return compiled(*dyn_args, **dyn_kwargs)

    def _export_route(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        """The public route: export, optimize, and jit the exported call (dynamic arguments only)."""
        import jax

        exp = jax.export.export(self._jitted)(*args, **kwargs)
        return jax.jit(optimize_exported(exp, pipeline=self._pipeline).call)
