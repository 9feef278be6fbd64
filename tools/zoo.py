"""`stablehlo-eqsat-zoo`: a small model zoo of StableHLO modules lowered from JAX.

    stablehlo-eqsat-zoo --out zoo/          # writes zoo/<name>.mlir, one module per model

Each model is a pure function of its parameters and inputs (all are `@main` arguments, so nothing
constant-folds away), lowered with `jax.jit(f).lower(*shapes).as_text()`. Shapes are small so that
XLA CPU compiles every module in well under a second; the output is deterministic. Besides the
usual blocks (MLP, GPT-2, BERT, LLaMA, ViT, ResNet, MLP-Mixer, a `lax.scan` RNN) two programs are
written the way users write them, with the redundancy an optimizer should remove.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ModelFn = Callable[..., Any]


def _models() -> dict[str, tuple[ModelFn, tuple[Any, ...]]]:
    """name -> (function, argument shapes as `jax.ShapeDtypeStruct` pytrees)."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    f32 = jnp.float32

    def S(*shape: int, dtype: Any = f32) -> jax.ShapeDtypeStruct:
        return jax.ShapeDtypeStruct(shape, dtype)

    def layer_norm(x: Any, g: Any, b: Any, eps: float = 1e-5) -> Any:
        mu = jnp.mean(x, axis=-1, keepdims=True)
        var = jnp.mean(jnp.square(x - mu), axis=-1, keepdims=True)
        return (x - mu) * lax.rsqrt(var + eps) * g + b

    def rms_norm(x: Any, g: Any, eps: float = 1e-6) -> Any:
        return x * lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + eps) * g

    def attention(q: Any, k: Any, v: Any, mask: Any | None) -> Any:
        # q, k, v: [batch, heads, seq, head_dim]
        scores = jnp.einsum("bhqd,bhkd->bhqk", q, k) / jnp.sqrt(jnp.float32(q.shape[-1]))
        if mask is not None:
            scores = jnp.where(mask, scores, jnp.float32(-1e9))
        return jnp.einsum("bhqk,bhkd->bhqd", jax.nn.softmax(scores, axis=-1), v)

    def split_heads(x: Any, heads: int) -> Any:
        b, s, d = x.shape
        return x.reshape(b, s, heads, d // heads).transpose(0, 2, 1, 3)

    def merge_heads(x: Any) -> Any:
        b, h, s, d = x.shape
        return x.transpose(0, 2, 1, 3).reshape(b, s, h * d)

    def mha(x: Any, p: dict[str, Any], heads: int, mask: Any | None) -> Any:
        q, k, v = (split_heads(x @ p[n], heads) for n in ("wq", "wk", "wv"))
        return merge_heads(attention(q, k, v, mask)) @ p["wo"]

    B, T, D, H, F = 2, 16, 64, 4, 128

    def attn_params() -> dict[str, Any]:
        return {n: S(D, D) for n in ("wq", "wk", "wv", "wo")}

    # -- the models ---------------------------------------------------------------------------
    def mlp(p: dict[str, Any], x: Any) -> Any:
        h = jax.nn.relu(x @ p["w1"] + p["b1"])
        h = jax.nn.relu(h @ p["w2"] + p["b2"])
        return jax.nn.log_softmax(h @ p["w3"] + p["b3"])

    mlp_args = (
        {"w1": S(32, 64), "b1": S(64), "w2": S(64, 64), "b2": S(64), "w3": S(64, 10), "b3": S(10)},
        S(8, 32),
    )

    causal = jnp.tril(jnp.ones((T, T), bool))

    def gpt2_block(p: dict[str, Any], x: Any) -> Any:
        x = x + mha(layer_norm(x, p["ln1_g"], p["ln1_b"]), p["attn"], H, causal)
        h = jax.nn.gelu(layer_norm(x, p["ln2_g"], p["ln2_b"]) @ p["fc"] + p["fc_b"], approximate=True)
        return x + h @ p["proj"] + p["proj_b"]

    gpt2_args = (
        {
            "ln1_g": S(D), "ln1_b": S(D), "ln2_g": S(D), "ln2_b": S(D), "attn": attn_params(),
            "fc": S(D, F), "fc_b": S(F), "proj": S(F, D), "proj_b": S(D),
        },
        S(B, T, D),
    )  # fmt: skip

    def bert_layer(p: dict[str, Any], x: Any, pad_mask: Any) -> Any:
        mask = pad_mask[:, None, None, :]  # [B, 1, 1, T]: attend only to real tokens
        x = layer_norm(x + mha(x, p["attn"], H, mask), p["ln1_g"], p["ln1_b"])
        h = jax.nn.gelu(x @ p["fc"] + p["fc_b"], approximate=False)
        return layer_norm(x + h @ p["proj"] + p["proj_b"], p["ln2_g"], p["ln2_b"])

    bert_args = (gpt2_args[0], S(B, T, D), S(B, T, dtype=jnp.bool_))

    def rope(x: Any, positions: Any) -> Any:
        # x: [B, H, T, Dh]; rotate pairs (x[..., :Dh/2], x[..., Dh/2:]).
        half = x.shape[-1] // 2
        freqs = 1.0 / (10000.0 ** (jnp.arange(half, dtype=f32) / half))
        angles = positions[:, None].astype(f32) * freqs[None, :]  # [T, half]
        cos, sin = jnp.cos(angles), jnp.sin(angles)
        x1, x2 = x[..., :half], x[..., half:]
        return jnp.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)

    def llama_block(p: dict[str, Any], x: Any, positions: Any) -> Any:
        h = rms_norm(x, p["attn_norm"])
        q, k, v = (split_heads(h @ p["attn"][n], H) for n in ("wq", "wk", "wv"))
        q, k = rope(q, positions), rope(k, positions)
        x = x + merge_heads(attention(q, k, v, causal)) @ p["attn"]["wo"]
        h = rms_norm(x, p["mlp_norm"])
        return x + (jax.nn.silu(h @ p["w_gate"]) * (h @ p["w_up"])) @ p["w_down"]

    llama_args = (
        {"attn_norm": S(D), "mlp_norm": S(D), "attn": attn_params(), "w_gate": S(D, F), "w_up": S(D, F),
         "w_down": S(F, D)},
        S(B, T, D),
        S(T, dtype=jnp.int32),
    )  # fmt: skip

    def vit_block(p: dict[str, Any], patches: Any) -> Any:
        x = patches @ p["embed"] + p["pos"]
        x = x + mha(layer_norm(x, p["ln1_g"], p["ln1_b"]), p["attn"], H, None)
        h = jax.nn.gelu(layer_norm(x, p["ln2_g"], p["ln2_b"]) @ p["fc"] + p["fc_b"], approximate=False)
        x = x + h @ p["proj"] + p["proj_b"]
        return jnp.mean(x, axis=1) @ p["head"]

    vit_args = (
        {**gpt2_args[0], "embed": S(48, D), "pos": S(T, D), "head": S(D, 10)},
        S(B, T, 48),  # 16 patches of 4x4x3
    )

    def conv(x: Any, w: Any) -> Any:
        return lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def batch_norm(x: Any, bn: dict[str, Any], eps: float = 1e-5) -> Any:
        return (x - bn["mean"]) * lax.rsqrt(bn["var"] + eps) * bn["scale"] + bn["bias"]

    def resnet_block(p: dict[str, Any], x: Any) -> Any:
        h = jax.nn.relu(batch_norm(conv(x, p["w1"]), p["bn1"]))
        h = batch_norm(conv(h, p["w2"]), p["bn2"])
        return jax.nn.relu(x + h)

    C = 16
    bn = {"mean": S(C), "var": S(C), "scale": S(C), "bias": S(C)}
    resnet_args = ({"w1": S(3, 3, C, C), "bn1": bn, "w2": S(3, 3, C, C), "bn2": bn}, S(2, 8, 8, C))

    def mixer_block(p: dict[str, Any], x: Any) -> Any:
        # x: [B, tokens, channels]; token mixing works on the transpose.
        y = layer_norm(x, p["ln1_g"], p["ln1_b"]).transpose(0, 2, 1)
        y = jax.nn.gelu(y @ p["tok1"]) @ p["tok2"]
        x = x + y.transpose(0, 2, 1)
        y = layer_norm(x, p["ln2_g"], p["ln2_b"])
        return x + jax.nn.gelu(y @ p["ch1"]) @ p["ch2"]

    mixer_args = (
        {"ln1_g": S(D), "ln1_b": S(D), "ln2_g": S(D), "ln2_b": S(D), "tok1": S(T, 32), "tok2": S(32, T),
         "ch1": S(D, F), "ch2": S(F, D)},
        S(B, T, D),
    )  # fmt: skip

    def rnn_scan(p: dict[str, Any], xs: Any, h0: Any) -> Any:
        def cell(h: Any, x: Any) -> tuple[Any, Any]:
            h = jnp.tanh(x @ p["wx"] + h @ p["wh"] + p["b"])
            return h, h @ p["wy"]

        h, ys = lax.scan(cell, h0, xs)
        return h, ys

    rnn_args = ({"wx": S(16, 32), "wh": S(32, 32), "b": S(32), "wy": S(32, 8)}, S(10, 4, 16), S(4, 32))

    # -- written the way users write them -----------------------------------------------------
    def redundant_layers(x: Any, w: Any, b: Any) -> Any:
        """Transposes that undo each other, identity arithmetic, a reshape round trip, a
        subexpression computed twice."""
        y = x.T.T  # transpose of a transpose
        y = y * 1.0 + 0.0  # identity arithmetic
        y = y.reshape(8, 4, 8).reshape(32, 8).reshape(8, 32)  # reshape chain back to the same shape
        a = jnp.tanh(y @ w + b)
        c = jnp.tanh(y @ w + b)  # the same again
        z = (a + c) / 2.0
        z = jnp.transpose(jnp.transpose(z, (1, 0)), (1, 0))
        return z - 0.0, jnp.sum(z * 1.0, axis=0)

    redundant_args = (S(8, 32), S(32, 16), S(16))

    def redundant_attention(q: Any, k: Any, v: Any) -> Any:
        """Attention spelled with explicit transposes, a softmax recomputed for the second use, a
        scale applied as `* (1/s)` and `/ s` twice, and a broadcast of a value that already has
        the shape."""
        kt = jnp.swapaxes(jnp.swapaxes(jnp.swapaxes(k, -1, -2), -1, -2), -1, -2)
        s = jnp.sqrt(jnp.float32(q.shape[-1]))
        scores = (q @ kt) * (1.0 / s)
        p1 = jax.nn.softmax(scores, axis=-1)
        p2 = jax.nn.softmax(scores, axis=-1)
        out = p1 @ v + jnp.broadcast_to(p2 @ v, (2, 16, 32))
        return jnp.reshape(jnp.reshape(out, (2, 512)), (2, 16, 32)) / 2.0

    redundant_attention_args = (S(2, 16, 32), S(2, 16, 32), S(2, 16, 32))

    return {
        "mlp": (mlp, mlp_args),
        "gpt2_block": (gpt2_block, gpt2_args),
        "bert_layer": (bert_layer, bert_args),
        "llama_block": (llama_block, llama_args),
        "vit_block": (vit_block, vit_args),
        "resnet_block": (resnet_block, resnet_args),
        "mixer_block": (mixer_block, mixer_args),
        "rnn_scan": (rnn_scan, rnn_args),
        "redundant_layers": (redundant_layers, redundant_args),
        "redundant_attention": (redundant_attention, redundant_attention_args),
    }


def _cnn_models() -> dict[str, tuple[ModelFn, tuple[Any, ...]]]:
    """Convolutional networks (NHWC activations, HWIO kernels), inference mode.

    Batch norm is written as deployed inference graphs have it: a per-channel scale and shift
    (`conv * scale + shift`, both parameters). Everything else is a parameter too, so nothing
    constant-folds; the shapes are fixed, so the output is deterministic.
    """
    import jax
    import jax.numpy as jnp
    from jax import lax

    f32 = jnp.float32

    def S(*shape: int) -> jax.ShapeDtypeStruct:
        return jax.ShapeDtypeStruct(shape, f32)

    def conv(x: Any, w: Any, stride: int = 1, groups: int = 1) -> Any:
        return lax.conv_general_dilated(
            x, w, (stride, stride), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
            feature_group_count=groups,
        )  # fmt: skip

    def bn(x: Any, p: dict[str, Any]) -> Any:
        return x * p["scale"] + p["shift"]

    def bn_params(c: int) -> dict[str, Any]:
        return {"scale": S(c), "shift": S(c)}

    def conv_bn(k: int, cin: int, cout: int, groups: int = 1) -> dict[str, Any]:
        return {"w": S(k, k, cin // groups, cout), "bn": bn_params(cout)}

    def cbn(p: dict[str, Any], x: Any, stride: int = 1, groups: int = 1) -> Any:
        return bn(conv(x, p["w"], stride, groups), p["bn"])

    def max_pool(x: Any) -> Any:
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")

    # -- ResNet (basic blocks for 18, bottlenecks for 50) ------------------------------------------
    def basic_params(cin: int, cout: int, stride: int) -> dict[str, Any]:
        p = {"c1": conv_bn(3, cin, cout), "c2": conv_bn(3, cout, cout)}
        if stride != 1 or cin != cout:
            p["down"] = conv_bn(1, cin, cout)
        return p

    def basic_block(p: dict[str, Any], x: Any, stride: int) -> Any:
        h = jax.nn.relu(cbn(p["c1"], x, stride))
        h = cbn(p["c2"], h)
        short = cbn(p["down"], x, stride) if "down" in p else x
        return jax.nn.relu(h + short)

    def bottleneck_params(cin: int, mid: int, stride: int) -> dict[str, Any]:
        p = {"c1": conv_bn(1, cin, mid), "c2": conv_bn(3, mid, mid), "c3": conv_bn(1, mid, 4 * mid)}
        if stride != 1 or cin != 4 * mid:
            p["down"] = conv_bn(1, cin, 4 * mid)
        return p

    def bottleneck(p: dict[str, Any], x: Any, stride: int, groups: int = 1) -> Any:
        h = jax.nn.relu(cbn(p["c1"], x))
        h = jax.nn.relu(cbn(p["c2"], h, stride, groups))
        h = cbn(p["c3"], h)
        short = cbn(p["down"], x, stride) if "down" in p else x
        return jax.nn.relu(h + short)

    def resnet(
        block: Callable[..., Any], depths: tuple[int, ...], widths: tuple[int, ...]
    ) -> Callable[..., Any]:
        def f(p: dict[str, Any], x: Any) -> Any:
            h = max_pool(jax.nn.relu(cbn(p["stem"], x, 2)))
            for s, n in enumerate(depths):
                for i in range(n):
                    h = block(p[f"s{s}b{i}"], h, 2 if i == 0 and s > 0 else 1)
            return jnp.mean(h, axis=(1, 2)) @ p["fc"]

        return f

    def resnet_params(
        kind: str, depths: tuple[int, ...], widths: tuple[int, ...], classes: int
    ) -> dict[str, Any]:
        p: dict[str, Any] = {"stem": conv_bn(7, 3, 64)}
        cin = 64
        for s, (n, w) in enumerate(zip(depths, widths, strict=True)):
            for i in range(n):
                stride = 2 if i == 0 and s > 0 else 1
                if kind == "basic":
                    p[f"s{s}b{i}"] = basic_params(cin, w, stride)
                    cin = w
                else:
                    p[f"s{s}b{i}"] = bottleneck_params(cin, w, stride)
                    cin = 4 * w
        p["fc"] = S(cin, classes)
        return p

    widths = (64, 128, 256, 512)
    resnet18 = resnet(basic_block, (2, 2, 2, 2), widths)
    # 64x64 input: stages at 16x16, 8x8, 4x4 and 2x2.
    resnet18_args = (resnet_params("basic", (2, 2, 2, 2), widths, 100), S(2, 64, 64, 3))

    # -- MobileNetV2/V3-style: inverted residuals, depthwise 3x3, squeeze-excite, hard-swish ---------
    def se_params(c: int) -> dict[str, Any]:
        return {"w1": S(c, max(8, c // 4)), "b1": S(max(8, c // 4)), "w2": S(max(8, c // 4), c), "b2": S(c)}

    def squeeze_excite(p: dict[str, Any], x: Any, gate: Callable[[Any], Any]) -> Any:
        s = jnp.mean(x, axis=(1, 2))
        s = gate(jax.nn.relu(s @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"])
        return x * s[:, None, None, :]

    def mbconv_params(cin: int, cout: int, expand: int, k: int, se: bool) -> dict[str, Any]:
        mid = cin * expand
        p: dict[str, Any] = {
            "dw": {"w": S(k, k, 1, mid), "bn": bn_params(mid)},
            "proj": conv_bn(1, mid, cout),
        }
        if expand != 1:
            p["exp"] = conv_bn(1, cin, mid)
        if se:
            p["se"] = se_params(mid)
        return p

    def mbconv(
        p: dict[str, Any], x: Any, stride: int, act: Callable[[Any], Any], gate: Callable[[Any], Any]
    ) -> Any:
        h = act(cbn(p["exp"], x)) if "exp" in p else x
        h = act(cbn(p["dw"], h, stride, groups=h.shape[-1]))
        if "se" in p:
            h = squeeze_excite(p["se"], h, gate)
        h = cbn(p["proj"], h)
        return h + x if stride == 1 and h.shape == x.shape else h

    # (cin, cout, expand, kernel, stride, squeeze-excite)
    mobilenet_cfg = [
        (16, 16, 1, 3, 1, True), (16, 24, 4, 3, 2, False), (24, 24, 3, 3, 1, False),
        (24, 40, 3, 5, 2, True), (40, 40, 3, 5, 1, True), (40, 80, 6, 3, 2, False),
        (80, 80, 3, 3, 1, False), (80, 112, 6, 3, 1, True), (112, 160, 6, 5, 2, True),
    ]  # fmt: skip

    def mobilenet(p: dict[str, Any], x: Any) -> Any:
        h = jax.nn.hard_swish(cbn(p["stem"], x, 2))
        for i, (_, _, _, _, stride, _) in enumerate(mobilenet_cfg):
            h = mbconv(p[f"b{i}"], h, stride, jax.nn.hard_swish, jax.nn.hard_sigmoid)
        h = jax.nn.hard_swish(cbn(p["head"], h))
        return jnp.mean(h, axis=(1, 2)) @ p["fc"]

    mobilenet_params: dict[str, Any] = {
        "stem": conv_bn(3, 3, 16),
        "head": conv_bn(1, 160, 576),
        "fc": S(576, 100),
    }
    for i, (cin, cout, e, k, _, se) in enumerate(mobilenet_cfg):
        mobilenet_params[f"b{i}"] = mbconv_params(cin, cout, e, k, se)
    mobilenet_args = (mobilenet_params, S(2, 112, 112, 3))

    # -- EfficientNet: a stack of MBConv blocks (swish, squeeze-excite, 3x3 and 5x5 depthwise) -------
    effnet_cfg = [(24, 40, 6, 5, 2), (40, 40, 6, 5, 1), (40, 80, 6, 3, 2), (80, 80, 6, 3, 1)]

    def efficientnet_stack(p: dict[str, Any], x: Any) -> Any:
        h = x
        for i, (_, _, _, _, stride) in enumerate(effnet_cfg):
            h = mbconv(p[f"b{i}"], h, stride, jax.nn.silu, jax.nn.sigmoid)
        return h

    effnet_params = {
        f"b{i}": mbconv_params(ci, co, e, k, True) for i, (ci, co, e, k, _) in enumerate(effnet_cfg)
    }
    effnet_args = (effnet_params, S(2, 56, 56, 24))

    # -- ResNeXt: one grouped-convolution bottleneck block (32 groups) ----------------------------------
    def resnext_block(p: dict[str, Any], x: Any) -> Any:
        return bottleneck(p, x, 1, groups=32)

    resnext_args = (
        {"c1": conv_bn(1, 256, 128), "c2": conv_bn(3, 128, 128, groups=32), "c3": conv_bn(1, 128, 256)},
        S(2, 28, 28, 256),
    )

    # -- Decoders: transposed convolutions (lhs-dilated), dilated context convolutions -------------
    def conv_t(x: Any, w: Any, stride: int = 2) -> Any:
        return lax.conv_transpose(x, w, (stride, stride), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def dilated(x: Any, w: Any, rate: int) -> Any:
        return lax.conv_general_dilated(
            x, w, (1, 1), "SAME", rhs_dilation=(rate, rate), dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    # DCGAN's generator (Radford et al.): a projected noise vector, then 4x4 stride-2 transposed
    # convolutions doubling the resolution and halving the channels, down to a 32x32 RGB image.
    dcgan_widths = (256, 128, 64)

    # The weights are scaled by 1/sqrt(fan-in) in the graph, as trained weights are in size: with
    # weights drawn like the activations, each layer would multiply their size by ~10 and the
    # tanh at the end would turn f32 rounding into differences of 1e-2.
    def scaled(w: Any, fan_in: int) -> Any:
        return w * (1.0 / fan_in**0.5)

    def dcgan_generator(p: dict[str, Any], z: Any) -> Any:
        h = (z @ scaled(p["proj"], z.shape[1])).reshape(z.shape[0], 4, 4, dcgan_widths[0])
        h = jax.nn.relu(bn(h, p["bn0"]))
        for i in range(len(dcgan_widths) - 1):
            w = p[f"up{i}"]
            h = jax.nn.relu(bn(conv_t(h, scaled(w, 4 * w.shape[2])), p[f"bn{i + 1}"]))
        return jnp.tanh(conv_t(h, scaled(p["rgb"], 4 * p["rgb"].shape[2])))

    dcgan_params: dict[str, Any] = {"proj": S(100, 16 * dcgan_widths[0]), "bn0": bn_params(dcgan_widths[0])}
    for i, (cin, cout) in enumerate(itertools.pairwise(dcgan_widths)):
        dcgan_params[f"up{i}"] = S(4, 4, cin, cout)
        dcgan_params[f"bn{i + 1}"] = bn_params(cout)
    dcgan_params["rgb"] = S(4, 4, dcgan_widths[-1], 3)
    dcgan_args = (dcgan_params, S(8, 100))

    # A U-Net level: encoder convolution, pooling, dilated context convolutions at the bottom,
    # a 2x2 stride-2 transposed convolution back up, the skip connection concatenated, a decoder
    # convolution and a 1x1 head.
    def unet(p: dict[str, Any], x: Any) -> Any:
        e = jax.nn.relu(cbn(p["enc"], x))
        h = lax.reduce_window(e, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        h = jax.nn.relu(cbn(p["down"], h))
        for rate in (2, 4):
            h = jax.nn.relu(bn(dilated(h, p[f"ctx{rate}"]["w"], rate), p[f"ctx{rate}"]["bn"]))
        u = jax.nn.relu(bn(conv_t(h, p["up"]["w"]), p["up"]["bn"]))
        h = jax.nn.relu(cbn(p["dec"], jnp.concatenate([u, e], axis=-1)))
        return conv(h, p["head"])

    unet_args = (
        {
            "enc": conv_bn(3, 16, 32), "down": conv_bn(3, 32, 64), "ctx2": conv_bn(3, 64, 64),
            "ctx4": conv_bn(3, 64, 64), "up": conv_bn(2, 64, 32), "dec": conv_bn(3, 64, 32),
            "head": S(1, 1, 32, 4),
        },
        S(2, 32, 32, 16),
    )  # fmt: skip

    # A convolutional recurrent cell under `lax.scan`: the convolution is in a while body.
    def conv_scan(p: dict[str, Any], xs: Any) -> Any:
        def step(h: Any, x: Any) -> tuple[Any, Any]:
            h = jnp.tanh(conv(h, p["wh"]) + conv(x, p["wx"]) + p["b"])
            return h, h

        h0 = jnp.zeros((*xs.shape[1:4], p["wh"].shape[-1]), xs.dtype)
        h, _ = lax.scan(step, h0, xs)
        return h

    conv_scan_args = ({"wh": S(3, 3, 32, 32), "wx": S(3, 3, 8, 32), "b": S(32)}, S(6, 2, 16, 16, 8))

    return {
        "mobilenet_v3": (mobilenet, mobilenet_args),
        "resnet18_64px": (resnet18, resnet18_args),
        "efficientnet_mbconv": (efficientnet_stack, effnet_args),
        "resnext_block": (resnext_block, resnext_args),
        "dcgan_generator": (dcgan_generator, dcgan_args),
        "unet_level": (unet, unet_args),
        "conv_scan": (conv_scan, conv_scan_args),
    }


def _large_models() -> dict[str, tuple[ModelFn, tuple[Any, ...]]]:
    """Models too slow to compile for every test run: only generated when named (`--only`, `--all`)."""
    return {"resnet50_224": _resnet50()}


def _resnet50() -> tuple[ModelFn, tuple[Any, ...]]:
    """ResNet-50 at 224x224, batch 1."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    f32 = jnp.float32

    def S(*shape: int) -> jax.ShapeDtypeStruct:
        return jax.ShapeDtypeStruct(shape, f32)

    def conv(x: Any, w: Any, stride: int = 1) -> Any:
        return lax.conv_general_dilated(
            x, w, (stride, stride), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    # The batch-norm scale carries 1/sqrt(fan-in): with weights drawn like the activations, 50
    # layers would overflow f32 (every output NaN, and no difference to compare).
    def cbn(p: dict[str, Any], x: Any, stride: int = 1) -> Any:
        fan_in = p["w"].shape[0] * p["w"].shape[1] * p["w"].shape[2]
        return conv(x, p["w"], stride) * (p["scale"] * fan_in**-0.5) + p["shift"]

    def cp(k: int, cin: int, cout: int) -> dict[str, Any]:
        return {"w": S(k, k, cin, cout), "scale": S(cout), "shift": S(cout)}

    depths, widths = (3, 4, 6, 3), (64, 128, 256, 512)
    params: dict[str, Any] = {"stem": cp(7, 3, 64)}
    cin = 64
    for s, (n, w) in enumerate(zip(depths, widths, strict=True)):
        for i in range(n):
            b = {"c1": cp(1, cin, w), "c2": cp(3, w, w), "c3": cp(1, w, 4 * w)}
            if i == 0:
                b["down"] = cp(1, cin, 4 * w)
            params[f"s{s}b{i}"] = b
            cin = 4 * w
    params["fc"] = S(cin, 1000)

    def resnet50(p: dict[str, Any], x: Any) -> Any:
        h = jax.nn.relu(cbn(p["stem"], x, 2))
        h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")
        for s, n in enumerate(depths):
            for i in range(n):
                b = p[f"s{s}b{i}"]
                stride = 2 if i == 0 and s > 0 else 1
                y = jax.nn.relu(cbn(b["c1"], h))
                y = jax.nn.relu(cbn(b["c2"], y, stride))
                y = cbn(b["c3"], y)
                h = jax.nn.relu(y + (cbn(b["down"], h, stride) if "down" in b else h))
        return jnp.mean(h, axis=(1, 2)) @ p["fc"]

    return resnet50, (params, S(1, 224, 224, 3))


CNN_NAMES = (
    "mobilenet_v3", "resnet18_64px", "efficientnet_mbconv", "resnext_block",
    "dcgan_generator", "unet_level", "conv_scan", "resnet50_224",
)  # fmt: skip


def model_names(include_large: bool = False) -> list[str]:
    names = [*_models(), *_cnn_models()]
    return [*names, *_large_models()] if include_large else names


def lower_model(name: str) -> str:
    """StableHLO text of one model: the zoo's (the large ones included) or one of the benchmark's
    own (`tools/bench_models.py`), lowered with `jax.jit(f, keep_unused=True)` so that every
    parameter stays an `@main` argument."""
    import jax
    from stablehlo_eqsat.tools import bench_models

    for models in (_models, _cnn_models, _large_models, bench_models.models):
        found = models().get(name)
        if found is not None:
            fn, args = found
            return str(jax.jit(fn, keep_unused=True).lower(*args).as_text())
    raise KeyError(name)


def generate_zoo(out_dir: Path | str, names: Sequence[str] | None = None) -> list[Path]:
    """Write `<out_dir>/<name>.mlir` for every model (or the given ones); returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name in names or model_names():
        path = out / f"{name}.mlir"
        path.write_text(lower_model(name))
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stablehlo-eqsat-zoo", description="Write the model zoo as StableHLO.")
    p.add_argument("--out", help="output folder (created if needed; required unless --list)")
    p.add_argument(
        "--only", action="append", default=None, metavar="NAME", help="just this model (repeatable)"
    )
    p.add_argument("--list", action="store_true", help="list the model names and exit")
    p.add_argument("--all", action="store_true", help="also the large models (ResNet-50 at 224x224)")
    args = p.parse_args(argv)
    if args.list:
        print("\n".join(model_names(include_large=True)))
        return 0
    if not args.out:
        p.error("the following arguments are required: --out")
    unknown = [n for n in args.only or [] if n not in model_names(include_large=True)]
    if unknown:
        print(f"stablehlo-eqsat-zoo: error: unknown model(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    for path in generate_zoo(args.out, args.only or (model_names(include_large=True) if args.all else None)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
