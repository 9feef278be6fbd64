"""stablehlo-eqsat: an equality-saturation optimizer for StableHLO.

    from stablehlo_eqsat import optimize_module
    optimized_text = optimize_module(stablehlo_text, fp_mode="strict")
"""

from stablehlo_eqsat.api import DEFAULT_PIPELINE, OptimizeError, optimize_module

__version__ = "0.1.0"
__all__ = ["DEFAULT_PIPELINE", "OptimizeError", "__version__", "optimize_module"]
