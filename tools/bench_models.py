"""Extra benchmark models, beyond the zoo (`tools/zoo.py`): attention variants, a small conv UNet and
programs written with the redundancy users write.

    from stablehlo_eqsat.tools import bench_models, zoo
    bench_models.model_names()
    text = zoo.lower_model("mqa_attention")     # StableHLO text, every parameter an @main argument

Like the zoo, each model is a pure function of its arguments (nothing constant-folds away),
lowered by the zoo's `lower_model`; shapes are small so that XLA CPU compiles each in well under a
second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ModelFn = Callable[..., Any]


def models() -> dict[str, tuple[ModelFn, tuple[Any, ...]]]:
    """name -> (function, argument shapes as `jax.ShapeDtypeStruct` pytrees)."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    f32 = jnp.float32

    def S(*shape: int, dtype: Any = f32) -> jax.ShapeDtypeStruct:
        return jax.ShapeDtypeStruct(shape, dtype)

    B, T, D, H = 4, 32, 128, 8
    Dh = D // H

    # -- multi-query attention: H query heads share one key/value head ------------------------------
    def mqa_attention(p: dict[str, Any], x: Any) -> Any:
        q = (x @ p["wq"]).reshape(B, T, H, Dh).transpose(0, 2, 1, 3)  # [B, H, T, Dh]
        k = (x @ p["wk"])[:, None]  # [B, 1, T, Dh]
        v = (x @ p["wv"])[:, None]
        k = jnp.broadcast_to(k, (B, H, T, Dh))  # the shared head, materialized per query head
        v = jnp.broadcast_to(v, (B, H, T, Dh))
        scores = jnp.einsum("bhqd,bhkd->bhqk", q, k) / jnp.sqrt(jnp.float32(Dh))
        causal = jnp.tril(jnp.ones((T, T), bool))
        scores = jnp.where(causal, scores, jnp.float32(-1e9))
        out = jnp.einsum("bhqk,bhkd->bhqd", jax.nn.softmax(scores, axis=-1), v)
        return out.transpose(0, 2, 1, 3).reshape(B, T, D) @ p["wo"]

    mqa_args = ({"wq": S(D, D), "wk": S(D, Dh), "wv": S(D, Dh), "wo": S(D, D)}, S(B, T, D))

    # -- attention as users spell it: softmax by hand, layout round trips, the scale twice -----------
    def attention_user_style(p: dict[str, Any], x: Any, pad: Any) -> Any:
        def heads(t: Any) -> Any:
            t = t.reshape(B, T, H, Dh)
            t = t.transpose(0, 2, 1, 3).transpose(0, 2, 1, 3).transpose(0, 2, 1, 3)  # two undo each other
            return t

        q, k, v = heads(x @ p["wq"]), heads(x @ p["wk"]), heads(x @ p["wv"])
        kt = jnp.swapaxes(k, -1, -2)
        scale = 1.0 / jnp.sqrt(jnp.float32(Dh))
        scores = (q * jnp.sqrt(scale)) @ (kt * jnp.sqrt(scale))  # the scale split over both sides
        bias = jnp.where(pad, 0.0, -1e9).astype(f32)[:, None, None, :]  # additive mask [B,1,1,T]
        scores = scores + bias
        m = jnp.max(scores, axis=-1, keepdims=True)
        e = jnp.exp(scores - lax.stop_gradient(m))
        probs = e / jnp.sum(e, axis=-1, keepdims=True)
        probs = probs.reshape(B * H, T, T).reshape(B, H, T, T)  # a reshape round trip
        out = probs @ v
        out = jnp.transpose(out, (0, 2, 1, 3)).reshape(B, T * D).reshape(B, T, D)
        return out @ p["wo"] + 0.0

    user_attn_args = (
        {"wq": S(D, D), "wk": S(D, D), "wv": S(D, D), "wo": S(D, D)},
        S(B, T, D),
        S(B, T, dtype=jnp.bool_),
    )

    # -- a small UNet: conv, pool, conv, upsample, skip concatenation, conv ----------------------------
    def conv(x: Any, w: Any) -> Any:
        return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def unet_small(p: dict[str, Any], x: Any) -> Any:
        e1 = jax.nn.relu(conv(x, p["e1"]) + p["b1"])  # [N, 16, 16, 16]
        d = lax.reduce_window(e1, 0.0, lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4.0  # avg pool
        e2 = jax.nn.relu(conv(d, p["e2"]) + p["b2"])  # [N, 8, 8, 32]
        n, h, w, c = e2.shape
        up = jnp.broadcast_to(e2[:, :, None, :, None, :], (n, h, 2, w, 2, c)).reshape(n, 2 * h, 2 * w, c)
        cat = jnp.concatenate([up, e1], axis=-1)  # [N, 16, 16, 48]
        y = jax.nn.relu(conv(cat, p["d1"]) + p["b3"])
        return conv(y, p["out"])

    unet_args = (
        {"e1": S(3, 3, 4, 16), "b1": S(16), "e2": S(3, 3, 16, 32), "b2": S(32), "d1": S(3, 3, 48, 16),
         "b3": S(16), "out": S(1, 1, 16, 4)},
        S(2, 16, 16, 4),
    )  # fmt: skip

    # -- user-style redundancy: a layer norm written twice, identities, reshape/transposes ----------
    def redundant_norm(x: Any, g: Any, b: Any) -> Any:
        def ln(t: Any) -> Any:
            mu = jnp.sum(t, axis=-1, keepdims=True) / t.shape[-1]
            var = jnp.mean(jnp.square(t - mu), axis=-1, keepdims=True)
            return (t - mu) / jnp.sqrt(var + 1e-5)

        y = ln(x) * g + b
        z = ln(x) * g + b  # the same again, e.g. from two branches of a model
        y = (y * 1.0 - 0.0).T.T
        z = jnp.reshape(jnp.reshape(z, (-1,)), x.shape)
        return jnp.tanh(y) + jnp.tanh(z), jnp.negative(-y)

    redundant_norm_args = (S(64, 256), S(256), S(256))

    # -- user-style redundancy: an MLP with [out, in] weights, explicit bias broadcasts, slice/concat --
    def redundant_mlp(p: dict[str, Any], x: Any) -> Any:
        def dense(t: Any, w: Any, bias: Any) -> Any:
            bb = jnp.broadcast_to(bias.reshape(1, -1), (t.shape[0], bias.shape[0]))
            return t @ w.T.T.T + bb  # stored [out, in]; an extra transpose pair on top

        h = jax.nn.relu(dense(x, p["w1"], p["b1"]))
        h = jnp.concatenate([h[:, :128], h[:, 128:]], axis=1)  # split and glued back
        h = jax.nn.relu(dense(h, p["w2"], p["b2"])) / 1.0
        y = dense(h, p["w3"], p["b3"])
        return y - jnp.max(y, axis=-1, keepdims=True) + 0.0

    redundant_mlp_args = (
        {"w1": S(256, 128), "b1": S(256), "w2": S(128, 256), "b2": S(128), "w3": S(10, 128), "b3": S(10)},
        S(64, 128),
    )  # fmt: skip

    return {
        "mqa_attention": (mqa_attention, mqa_args),
        "attention_user_style": (attention_user_style, user_attn_args),
        "unet_small": (unet_small, unet_args),
        "redundant_norm": (redundant_norm, redundant_norm_args),
        "redundant_mlp": (redundant_mlp, redundant_mlp_args),
    }


def model_names() -> list[str]:
    return list(models())


__all__ = ["model_names", "models"]
