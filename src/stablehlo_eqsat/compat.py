"""Everything that differs between the versions of jax, jaxlib and egglog we support, in one place.

Supported: jax/jaxlib 0.10.2 through 0.12.x, egglog 13.2 through 14.x, Python 3.11 through 3.13
(README, "Supported versions"). Code elsewhere calls these functions and never checks a version.
"""

from __future__ import annotations

import logging

from jaxlib.mlir import ir

log = logging.getLogger(__name__)


def new_mlir_context() -> ir.Context:
    """A fresh MLIR context with the dialects jaxlib ships registered (builtin and upstream
    dialects, func, stablehlo, chlo, mhlo, sdy, ...), as `jax`'s own `make_ir_context` makes it
    but without importing jax (seconds), and always fresh (jax 0.12 reuses one per thread).
    The dialects are registered through jaxlib's extension modules, not the Python op classes
    around them (those take ~0.04 s to import and are not used). Falls back to jax's where
    jaxlib's extension modules are laid out differently."""
    try:
        from jaxlib.mlir._mlir_libs import _chlo, _jax_mlir_ext, _mlirHlo, _sdy, _stablehlo
    except ImportError as e:  # pragma: no cover - a jaxlib with another layout
        log.debug("building the MLIR context through jax: %s", e)
        from jax._src.interpreters import mlir as jax_mlir

        return (
            jax_mlir._create_ir_context()
            if hasattr(jax_mlir, "_create_ir_context")
            else jax_mlir.make_ir_context()
        )
    context = ir.Context()
    registry = ir.DialectRegistry()
    _jax_mlir_ext.register_dialects(registry)
    context.append_dialect_registry(registry)
    context.load_all_available_dialects()
    _sdy.register_dialect(context)
    _mlirHlo.register_mhlo_dialect(context)
    _chlo.register_dialect(context)
    _stablehlo.register_dialect(context)
    return context


def stablehlo_extension():  # type: ignore[no-untyped-def]
    """StableHLO's attribute classes (`DotDimensionNumbers`, `PrecisionAttr`, ...) and pass
    registration, from jaxlib's extension module (or the dialect module that re-exports them)."""
    try:
        from jaxlib.mlir._mlir_libs import _stablehlo

        return _stablehlo
    except ImportError:  # pragma: no cover - a jaxlib with another layout
        from jaxlib.mlir.dialects import stablehlo

        return stablehlo


def egglog_bindings():  # type: ignore[no-untyped-def]
    """egglog's Rust bindings (`egglog.bindings`: `EGraph`, `parse_program`, `run_program`,
    `serialize`), without importing the Python DSL around them when it is not loaded yet: the
    bindings alone take ~0.02 s to load, `import egglog` ~0.3 s. The module is registered as
    `egglog.bindings`, so a later `import egglog` (building rules) reuses it. Same in 13.2 and 14."""
    import sys

    loaded = sys.modules.get("egglog.bindings")
    if loaded is not None:
        return loaded
    if "egglog" in sys.modules:
        from egglog import bindings

        return bindings
    path = _egglog_bindings_path()
    if path is None:  # pragma: no cover - an egglog laid out otherwise
        from egglog import bindings

        return bindings
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.ExtensionFileLoader("egglog.bindings", str(path))
    spec = importlib.util.spec_from_file_location("egglog.bindings", path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["egglog.bindings"] = module
    try:
        loader.exec_module(module)
    except Exception as e:  # pragma: no cover - then load it the ordinary way
        del sys.modules["egglog.bindings"]
        log.debug("loading egglog's bindings alone failed: %s", e)
        from egglog import bindings

        return bindings
    return module


def _egglog_bindings_path():  # type: ignore[no-untyped-def]
    """The file of egglog's extension module, found without importing egglog."""
    import importlib.machinery
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("egglog")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(folder) / f"bindings{suffix}"
            if path.is_file():
                return path
    return None


def egglog_identity() -> str:
    """What identifies the installed egglog for caches of the egglog text it generates: its
    distribution (name and version) and its extension module's size and time, found without
    importing egglog (`importlib.metadata` would take ~0.05 s)."""
    path = _egglog_bindings_path()
    if path is None:  # pragma: no cover
        from importlib.metadata import version

        return f"egglog {version('egglog')}"
    dists = sorted(p.name for p in path.parent.parent.glob("egglog-*.dist-info"))
    stat = path.stat()
    return f"{','.join(dists)}|{path.name}|{stat.st_size}|{stat.st_mtime_ns}"


def close_recording(egraph: object) -> None:
    """Release what an `EGraph(save_egglog_string=True)` holds: egglog 14 keeps its transcript in a
    temporary file until `close()`; 13.2 keeps it in memory and has no `close`."""
    close = getattr(egraph, "close", None)
    if close is not None:
        close()


def generated_rule_names(egraph: object) -> dict[str, object]:
    """The names egglog-python gave the rules it sent to `egraph` (an `EGraph`), with their
    declarations, in the order it sent them. egglog-python 14 also lists each rewrite under its
    printed text (what egglog reports for a rewrite replayed without its name); 13.2 does not."""
    names = egraph._state.rule_name_to_command_decl  # type: ignore[attr-defined]
    return {name: decl for name, decl in names.items() if not name.startswith("(")}
