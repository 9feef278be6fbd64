"""stablehlo_eqsat.jit: jax.jit with the optimizer between lowering and XLA.

python examples/jit_wrapper.py
"""

import itertools
import time

import jax
import jax.numpy as jnp
import numpy as np

import stablehlo_eqsat


def mlp(params, x):
    for w, b in params[:-1]:
        # [out, in] weights with an extra transpose pair and an explicit bias broadcast.
        x = jax.nn.relu(x @ w.T.T.T + jnp.broadcast_to(b.reshape(1, -1), (x.shape[0], b.shape[0])))
    w, b = params[-1]
    return jax.nn.log_softmax(x @ w.T + b)


rng = np.random.default_rng(0)
sizes = [128, 256, 256, 10]
params = [
    (jnp.asarray(rng.standard_normal((o, i)) / np.sqrt(i), jnp.float32), jnp.zeros(o, jnp.float32))
    for i, o in itertools.pairwise(sizes)
]
x = jnp.asarray(rng.standard_normal((64, 128)), jnp.float32)

fast = stablehlo_eqsat.jit(mlp)  # or @stablehlo_eqsat.jit(fp_mode="strict"), static_argnums=...
plain = jax.jit(mlp)
np.testing.assert_allclose(fast(params, x), plain(params, x), rtol=1e-5, atol=1e-5)


def best_of(f, n=200):
    jax.block_until_ready(f(params, x))
    times = []
    for _ in range(n):
        t = time.perf_counter()
        jax.block_until_ready(f(params, x))
        times.append(time.perf_counter() - t)
    return min(times) * 1e6


ops = [f.lower(params, x).as_text().count("stablehlo.") for f in (plain, fast)]  # fast.lower: optimized
print(f"stablehlo ops {ops[0]} -> {ops[1]}")
print(f"jax.jit {best_of(plain):.1f} us, stablehlo_eqsat.jit {best_of(fast):.1f} us; results agree")
