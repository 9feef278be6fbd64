"""`stablehlo-eqsat-real-models`: StableHLO of transformer and CNN backbones from keras-hub.

    pip install -e '.[models]'                      # keras-hub and keras (the JAX backend)
    stablehlo-eqsat-real-models --out real/          # real/<model>-<size>.mlir, a manifest.json
    stablehlo-eqsat-real-models --out real/ --models bert,llama --sizes small
    stablehlo-eqsat-bench --out b/ --real-models real/

The zoo's blocks are written by this project; these are written by the people who write models.
keras-hub is the model library of Keras, whose JAX backend lowers through `jax.jit` exactly as a
JAX user's program does; its backbones take a configuration (layers, heads, widths) and need no
download, and it covers the families users run (BERT, GPT-2, T5, Llama, Mistral, Qwen3, Gemma,
ViT, ResNet, MobileNetV3, DenseNet) with the einsum attention, rotary embeddings, RMS norms and
gated MLPs of their reference implementations.

Each backbone is built with random weights (seeded) and lowered as
`f(trainable, non_trainable, inputs) = backbone.stateless_call(...)`: weights are arguments, so
nothing folds away, as in a training step or a server that loads weights. The inputs are the
backbone's own (`backbone.inputs`), with the batch and sequence (or image) size of the chosen
size. The modules are small enough for XLA CPU to compile in seconds; they are written as text
(not committed: regenerate them with this command).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Size:
    """A transformer's width and depth and the inputs it runs on."""

    hidden: int
    layers: int
    heads: int
    seq: int
    batch: int

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


SIZES = {
    "small": Size(hidden=256, layers=4, heads=8, seq=128, batch=2),
    "medium": Size(hidden=512, layers=4, heads=8, seq=256, batch=4),
    "large": Size(hidden=768, layers=4, heads=12, seq=512, batch=1),
}
VOCAB = 1024  # a small vocabulary: the embedding gather is not what is measured


def _text_models(s: Size) -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (keras_hub.models class name, constructor arguments) of the transformers."""
    mlp = 4 * s.hidden
    decoder = {
        "vocabulary_size": VOCAB, "num_layers": s.layers, "num_query_heads": s.heads,
        "hidden_dim": s.hidden, "intermediate_dim": mlp, "num_key_value_heads": max(1, s.heads // 4),
    }  # fmt: skip
    return {
        "bert": ("BertBackbone", {
            "vocabulary_size": VOCAB, "num_layers": s.layers, "num_heads": s.heads, "hidden_dim": s.hidden,
            "intermediate_dim": mlp, "max_sequence_length": s.seq, "dropout": 0.0,
        }),
        "gpt2": ("GPT2Backbone", {
            "vocabulary_size": VOCAB, "num_layers": s.layers, "num_heads": s.heads, "hidden_dim": s.hidden,
            "intermediate_dim": mlp, "max_sequence_length": s.seq, "dropout": 0.0,
        }),
        "t5": ("T5Backbone", {
            "vocabulary_size": VOCAB, "num_layers": s.layers, "num_heads": s.heads, "hidden_dim": s.hidden,
            "intermediate_dim": mlp, "dropout": 0.0,
        }),
        "llama": ("LlamaBackbone", dict(decoder)),
        "mistral": ("MistralBackbone", {**decoder, "sliding_window": s.seq}),
        "qwen3": ("Qwen3Backbone", {**decoder, "head_dim": s.head_dim}),
        "gemma": ("GemmaBackbone", {**decoder, "head_dim": s.head_dim}),
    }  # fmt: skip


def _image_models(s: Size) -> dict[str, tuple[str, dict[str, Any]]]:
    image = (64, 64, 3) if s.hidden <= 256 else (128, 128, 3) if s.hidden <= 512 else (224, 224, 3)
    return {
        "vit": ("ViTBackbone", {
            "image_shape": (224, 224, 3) if s.hidden > 512 else (128, 128, 3), "patch_size": 16,
            "num_layers": s.layers, "num_heads": s.heads, "hidden_dim": s.hidden, "mlp_dim": 4 * s.hidden,
        }),
        "resnet": ("ResNetBackbone", {
            "input_conv_filters": [64], "input_conv_kernel_sizes": [7],
            "stackwise_num_filters": [64, 128, 256, 512], "stackwise_num_blocks": [2, 2, 2, 2],
            "stackwise_num_strides": [1, 2, 2, 2], "block_type": "basic_block", "image_shape": image,
        }),
    }  # fmt: skip


def model_specs(size: str) -> dict[str, tuple[str, dict[str, Any]]]:
    s = SIZES[size]
    return {**_text_models(s), **_image_models(s)}


def _inputs(backbone: Any, s: Size) -> dict[str, Any]:
    """Shapes for the backbone's own inputs: `None` dimensions become batch, then sequence."""
    import jax
    import numpy as np

    out = {}
    for tensor in backbone.inputs:
        name = tensor.name.split(":")[0]
        shape = [s.batch, *(s.seq if d is None else d for d in tensor.shape[1:])]
        dtype = np.dtype(tensor.dtype) if str(tensor.dtype) != "bool" else np.dtype(bool)
        out[name] = jax.ShapeDtypeStruct(tuple(shape), dtype)
    return out


def lower(name: str, size: str, seed: int = 0) -> tuple[str, dict[str, Any]]:
    """The StableHLO text of one backbone, and what it is (for the manifest)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import jax
    import keras
    import keras_hub

    if keras.backend.backend() != "jax":
        raise RuntimeError(f"keras uses the {keras.backend.backend()} backend; set KERAS_BACKEND=jax")
    cls_name, kwargs = model_specs(size)[name]
    keras.utils.set_random_seed(seed)
    backbone = getattr(keras_hub.models, cls_name)(**kwargs)
    inputs = _inputs(backbone, SIZES[size])
    trainable = [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in backbone.trainable_variables]
    non_trainable = [jax.ShapeDtypeStruct(v.shape, v.dtype) for v in backbone.non_trainable_variables]

    def forward(tv: Any, ntv: Any, x: Any) -> Any:
        out, _ = backbone.stateless_call(tv, ntv, x, training=False)
        return out

    text = str(jax.jit(forward).lower(trainable, non_trainable, inputs).as_text())
    info = {
        "model": name,
        "size": size,
        "class": f"keras_hub.models.{cls_name}",
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
        "inputs": {k: [list(v.shape), str(v.dtype)] for k, v in inputs.items()},
        "parameters": int(sum(v.size for v in trainable + non_trainable)),
        "keras_hub": keras_hub.__version__,
        "keras": keras.__version__,
        "jax": jax.__version__,
    }
    return text, info


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stablehlo-eqsat-real-models", description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, type=Path, help="folder for <model>-<size>.mlir, manifest.json")
    p.add_argument("--models", default="", metavar="A,B", help="only these (default: all)")
    p.add_argument("--sizes", default="small", metavar="A,B", help=f"of {', '.join(SIZES)} (default small)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        p.error(f"unknown size(s): {', '.join(unknown)}")
    names = [m for m in args.models.split(",") if m] or list(model_specs("small"))
    missing = [m for m in names if m not in model_specs("small")]
    if missing:
        p.error(f"unknown model(s): {', '.join(missing)} (have {', '.join(model_specs('small'))})")
    os.environ.setdefault("KERAS_BACKEND", "jax")  # (before keras is imported)
    try:
        import keras_hub  # noqa: F401
    except ImportError:
        print(
            "stablehlo-eqsat-real-models: error: keras-hub is not installed (pip install -e '.[models]')",
            file=sys.stderr,
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = args.out / "manifest.json"
    manifest: dict[str, Any] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    failures = 0
    for size in sizes:
        for name in names:
            label = f"{name}-{size}"
            try:
                text, info = lower(name, size, args.seed)
            except Exception as e:  # a model this keras-hub cannot build: report it, go on
                failures += 1
                print(f"{label}: failed: {type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
                continue
            (args.out / f"{label}.mlir").write_text(text)
            manifest[label] = {**info, "ops": text.count(" = ")}
            ops, params = manifest[label]["ops"], info["parameters"]
            print(f"{label}: {ops} ops, {params:,} parameters", file=sys.stderr)
            manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return 1 if failures else 0


def load_models(folder: Path) -> dict[str, Callable[[], str]]:
    """The exported modules of `folder` (as `main` wrote them), by label, for the benchmark."""
    return {path.stem: path.read_text for path in sorted(folder.glob("*.mlir"))}


__all__ = ["SIZES", "Size", "load_models", "lower", "model_specs"]

if __name__ == "__main__":
    sys.exit(main())
