"""The optimizer inside JAX flows: `optimize_exported` and a `jit`-like wrapper.

    exp = jax.export.export(jax.jit(f))(x)
    exp = optimize_exported(exp, fp_mode="strict")     # still serializes and calls
    fast_f = stablehlo_eqsat.jit(f)                    # like jax.jit, with the optimizer in between

Neither touches the module that `jax.jit(f).lower()` caches: each works on a fresh copy, so
ordinary `jax.jit(f)` calls stay unaffected.
"""

from __future__ import annotations

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

    with jax_mlir.make_ir_context() as ctx:
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


class _OptimizedJit:
    def __init__(self, fun: Callable[..., Any], pipeline: str, jit_kwargs: dict[str, Any]):
        import jax

        self._fun = fun
        self._pipeline = pipeline
        self._jitted = jax.jit(fun, **jit_kwargs)
        self._cache: dict[Any, Any] = {}
        functools.update_wrapper(self, fun)

    def _key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        import jax

        leaves, tree = jax.tree.flatten((args, kwargs))
        sig = []
        for leaf in leaves:
            shape = getattr(leaf, "shape", None)
            dtype = getattr(leaf, "dtype", None)
            sig.append((tuple(shape), str(dtype)) if shape is not None else ("static", type(leaf), leaf))
        return tree, tuple(sig)

    def lower_optimized(self, *args: Any, **kwargs: Any) -> Any:
        """The `jax.stages.Lowered` for these arguments, with its StableHLO optimized."""
        from jax._src.interpreters import mlir as jax_mlir
        from jaxlib.mlir import ir

        from stablehlo_eqsat.api import optimize_module

        lowered = self._jitted.lower(*args, **kwargs)
        inner = lowered._lowering  # jax's own lowering object: replace its module, never mutate it
        original = inner._hlo
        with original.context:
            fresh = ir.Module.parse(jax_mlir.module_to_bytecode(original))
            optimize_module(fresh, pipeline=self._pipeline)
        inner._hlo = fresh
        inner._executable = None
        return lowered

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = self._key(args, kwargs)
        compiled = self._cache.get(key)
        if compiled is None:
            try:
                compiled = self.lower_optimized(*args, **kwargs).compile()
            except AttributeError:
                # jax's lowering internals moved: fall back to the public export route.
                log.warning("stablehlo_eqsat.jit: using the jax.export route for %s", self._fun)
                compiled = self._export_route(*args, **kwargs)
            self._cache[key] = compiled
        return compiled(*args, **kwargs)

    def _export_route(self, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        import jax

        exp = jax.export.export(self._jitted)(*args, **kwargs)
        return jax.jit(optimize_exported(exp, pipeline=self._pipeline).call)
