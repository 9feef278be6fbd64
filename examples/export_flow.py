"""jax.export -> optimize_exported -> serialize -> deserialize -> call.

python examples/export_flow.py
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import export

from stablehlo_eqsat import optimize_exported


def layer(w, b, x):
    # Written the way users write it: a transpose pair, identity arithmetic, a value computed twice.
    y = x.T.T * 1.0 + 0.0
    return (jnp.tanh(y @ w + b) + jnp.tanh(y @ w + b)) / 2.0


rng = np.random.default_rng(0)
w, b, x = (jnp.asarray(rng.standard_normal(s), jnp.float32) for s in [(32, 16), (16,), (8, 32)])

exp = export.export(jax.jit(layer))(w, b, x)  # concrete shapes, one platform
opt = optimize_exported(exp, fp_mode="xla")  # a new Exported; `exp` is unchanged
blob = opt.serialize()  # bytes to store or ship (needs `flatbuffers`)
restored = export.deserialize(blob)

expected = jax.jit(layer)(w, b, x)
actual = restored.call(w, b, x)
np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
ops = [exp.mlir_module().count("stablehlo."), restored.mlir_module().count("stablehlo.")]
print(f"stablehlo ops {ops[0]} -> {ops[1]}; serialized {len(blob)} bytes; results agree")
