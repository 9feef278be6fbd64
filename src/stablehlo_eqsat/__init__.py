"""stablehlo-eqsat: an equality-saturation optimizer for StableHLO.

from stablehlo_eqsat import optimize_module, optimize_exported, jit
optimized_text = optimize_module(stablehlo_text, fp_mode="strict")
exp = optimize_exported(jax.export.export(jax.jit(f))(x))
fast_f = jit(f)
"""

from stablehlo_eqsat.api import DEFAULT_PIPELINE, OptimizeError, optimize_module
from stablehlo_eqsat.jax_api import jit, optimize_exported

__version__ = "0.1.0"
__all__ = ["DEFAULT_PIPELINE", "OptimizeError", "__version__", "jit", "optimize_exported", "optimize_module"]
