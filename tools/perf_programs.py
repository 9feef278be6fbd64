"""Random user-style programs for the performance fuzzer (`perf_fuzz.py`), written in JAX and
lowered with `jax.jit(f).lower(...)`, so that their StableHLO is what users' JAX produces.

    prog = generate("matmul_chain", seed=3)            # always the same program
    prog.text, prog.params, prog.arg_shapes, prog.flops
    for smaller in shrink_candidates(prog): ...        # halve a dimension, drop a piece

Families (`FAMILIES`):

* `matmul_chain`: 1-4 matmuls (`@`, `jnp.dot`, `jnp.einsum`) with weights stored either way round,
  an input used transposed, transpose pairs, `* 1.0 + 0.0`, scalar scales, the odd activation;
* `batched_einsum`: one or two einsums with batch (and head) dimensions in several layouts,
  operands given with their last two axes swapped, a scalar scale;
* `shared_projections`: 2-4 projections of one input (with biases), kept apart, summed,
  concatenated or gated (SwiGLU), maybe followed by an output projection;
* `dense_head`: 1-2 dense layers (bias, tanh / logistic / relu / gelu / silu) and 1-3 heads:
  sums, means and maxima over an axis, log-softmax, logsumexp, argmax of a classifier;
* `attention`: scores, scale, a causal (iota compare) or padding mask (`select`), softmax by
  `jax.nn` or spelled `exp(x - max) / sum`, heads in either layout, maybe projections in and out.

A program is fixed by its family and seed. Dimensions are drawn from 8-1024 (`max_dim` lower),
batch and heads from 1-16, and halved (largest first) until XLA's estimate of the unfused program
is under `MAX_FLOPS` and `MAX_BYTES`, or doubled (smallest first) while it is under `MIN_FLOPS`,
so that one execution takes about 0.05-20 ms on a CPU.
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

SIZES = (8, 10, 16, 24, 32, 48, 64, 96, 100, 128, 192, 256, 384, 500, 512, 768, 1000, 1024)
SMALL = (1, 2, 3, 4, 8, 12, 16)  # batch, heads
MAX_FLOPS = 1e9
MIN_FLOPS = 5e5  # below this, a generated program's smallest dimensions are doubled
MAX_BYTES = 3e8  # bytes accessed by the unfused program (XLA's cost analysis of the lowering)

Params = dict[str, Any]  # {"dims": {name: 8-1024}, "batch": {name: 1-16}, ...structure}; JSON
Args = list[tuple[tuple[int, ...], str]]  # parameter shapes and dtypes
Built = tuple[Callable[..., Any], Args]


@dataclass(frozen=True)
class PerfProgram:
    family: str
    seed: int
    params: Params
    text: str
    arg_shapes: list[list[int]]
    flops: float


@dataclass(frozen=True)
class Family:
    """How to draw a program's structure and sizes, build it as a JAX function, and take pieces
    away from it (`drops`: variants with one piece less, for shrinking)."""

    name: str
    sample: Callable[[np.random.Generator, Callable[[], int]], Params]
    build: Callable[[Params], Built]
    drops: Callable[[Params], list[Params]]


def _choice(rng: np.random.Generator, options: tuple[Any, ...] | list[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


def _jnp() -> Any:
    import jax.numpy as jnp

    return jnp


# -- matmul chains ----------------------------------------------------------------------------------
_PRE = ("none", "none", "tt", "scale", "identity", "tt_identity", "div")


def _chain_sample(rng: np.random.Generator, pick: Callable[[], int]) -> Params:
    n = int(rng.integers(1, 5))
    steps = [
        {
            "pre": _choice(rng, _PRE),
            "w_t": bool(rng.random() < 0.3),
            "form": _choice(rng, ("matmul", "matmul", "dot", "einsum")),
            "act": _choice(rng, ("none", "none", "none", "tanh", "relu")),
        }
        for _ in range(n)
    ]
    dims = {"m": pick(), **{f"k{i}": pick() for i in range(n + 1)}}
    out_t = bool(rng.random() < 0.2)
    return {"dims": dims, "batch": {}, "steps": steps, "x_t": bool(rng.random() < 0.2), "out_t": out_t}


def _pre(h: Any, kind: str, scale: float) -> Any:
    if kind in ("tt", "tt_identity"):
        h = h.T.T
    if kind in ("identity", "tt_identity"):
        h = h * 1.0 + 0.0
    if kind == "scale":
        h = h * scale
    if kind == "div":
        h = h / 2.0
    return h


def _chain_build(p: Params) -> Built:
    jnp, d, steps = _jnp(), p["dims"], p["steps"]

    def matmul_chain(x: Any, *ws: Any) -> Any:
        h = x.T if p["x_t"] else x
        for i, (st, w) in enumerate(zip(steps, ws, strict=True)):
            h = _pre(h, st["pre"], 1.0 / float(np.sqrt(d[f"k{i}"])))
            if st["form"] == "einsum":
                h = jnp.einsum("mk,nk->mn" if st["w_t"] else "mk,kn->mn", h, w)
            else:
                w = w.T if st["w_t"] else w
                h = jnp.dot(h, w) if st["form"] == "dot" else h @ w
            h = _act(st["act"], h)
        return h.T if p["out_t"] else h

    x = (d["k0"], d["m"]) if p["x_t"] else (d["m"], d["k0"])
    ws = [
        ((d[f"k{i + 1}"], d[f"k{i}"]) if st["w_t"] else (d[f"k{i}"], d[f"k{i + 1}"]))
        for i, st in enumerate(steps)
    ]
    return matmul_chain, [(x, "f32"), *((w, "f32") for w in ws)]


def _chain_drops(p: Params) -> list[Params]:
    out = []
    n = len(p["steps"])
    for j in range(n if n > 1 else 0):  # drop matmul j and its output size k{j+1}
        q = copy.deepcopy(p)
        sizes = [p["dims"][f"k{i}"] for i in range(n + 1) if i != j + 1]
        q["steps"].pop(j)
        q["dims"] = {"m": p["dims"]["m"], **{f"k{i}": s for i, s in enumerate(sizes)}}
        out.append(q)
    for j, st in enumerate(p["steps"]):
        for key, plain in (("pre", "none"), ("act", "none"), ("w_t", False), ("form", "matmul")):
            if st[key] != plain:
                q = copy.deepcopy(p)
                q["steps"][j][key] = plain
                out.append(q)
    return out + _flag_drops(p, ("x_t", "out_t"))


def _flag_drops(p: Params, keys: tuple[str, ...], plain: Any = False) -> list[Params]:
    return [{**copy.deepcopy(p), k: plain} for k in keys if p.get(k) != plain]


# -- batched einsums --------------------------------------------------------------------------------
_EINSUMS = (
    "bij,bjk->bik", "bij,bkj->bik", "bji,bjk->bik", "bij,jk->bik", "bij,kj->bik", "bij,bjk->bki",
    "bhij,bhjk->bhik", "bhij,bhkj->bhik", "bihj,bkhj->bhik", "bihj,bjhk->bihk",
)  # fmt: skip


def _einsum_sample(rng: np.random.Generator, pick: Callable[[], int]) -> Params:
    spec = _choice(rng, _EINSUMS)
    batch = {c: _choice(rng, SMALL) for c in "bh" if c in spec}
    second = _choice(rng, ("none", "none", "kl", "lk", "bkl"))
    dims = {c: pick() for c in "ijkl" if c in spec or (c == "l" and second != "none")}
    swap = [bool(rng.random() < 0.25), bool(rng.random() < 0.25)]
    return {"dims": dims, "batch": batch, "spec": spec, "second": second, "swap": swap,
            "scale": _choice(rng, ("none", "none", "lhs", "out"))}  # fmt: skip


def _einsum_build(p: Params) -> Built:
    jnp = _jnp()
    sizes = {**p["dims"], **p["batch"]}
    (lhs, rhs), out = p["spec"].split("->")[0].split(","), p["spec"].split("->")[1]

    def shape(s: str, swap: bool) -> tuple[int, ...]:
        t = [sizes[c] for c in s]
        if swap:
            t[-1], t[-2] = t[-2], t[-1]
        return tuple(t)

    second = p["second"]  # "none", or the second operand's axes ("kl", "lk", "bkl")

    def batched_einsum(a: Any, b: Any, *rest: Any) -> Any:
        a = jnp.swapaxes(a, -1, -2) if p["swap"][0] else a
        b = jnp.swapaxes(b, -1, -2) if p["swap"][1] else b
        if p["scale"] == "lhs":
            a = a * 0.125
        r = jnp.einsum(p["spec"], a, b)
        if p["scale"] == "out":
            r = r / 8.0
        if rest:
            r = jnp.einsum(f"{out},{second}->{out.replace('k', 'l')}", r, rest[0])
        return r

    args: Args = [(shape(lhs, p["swap"][0]), "f32"), (shape(rhs, p["swap"][1]), "f32")]
    if second != "none":
        args.append((shape(second, False), "f32"))
    return batched_einsum, args


def _einsum_drops(p: Params) -> list[Params]:
    out = []
    if p["second"] != "none":
        q = copy.deepcopy(p)
        q["second"] = "none"
        q["dims"].pop("l", None)
        out.append(q)
    for i in (0, 1):
        if p["swap"][i]:
            q = copy.deepcopy(p)
            q["swap"][i] = False
            out.append(q)
    return out + _flag_drops(p, ("scale",), "none")


# -- projections sharing an operand -----------------------------------------------------------------
def _proj_sample(rng: np.random.Generator, pick: Callable[[], int]) -> Params:
    n = int(rng.integers(2, 5))
    combine = _choice(rng, ("separate", "sum", "concat", "gated"))
    # Summed or gated projections have one width, f0, so that they combine elementwise.
    widths = 1 if combine in ("sum", "gated") else n
    dims = {"s": pick(), "d": pick(), **{f"f{i}": pick() for i in range(widths)}}
    out_proj = combine != "separate" and rng.random() < 0.5
    if out_proj:
        dims["o"] = pick()
    batch = {"b": _choice(rng, SMALL)} if rng.random() < 0.5 else {}
    return {"dims": dims, "batch": batch, "n": n, "combine": combine, "bias": bool(rng.random() < 0.5),
            "w_t": bool(rng.random() < 0.25), "out_proj": out_proj}  # fmt: skip


def _proj_build(p: Params) -> Built:
    import jax

    jnp, d, n = _jnp(), p["dims"], p["n"]
    width = [d["f0"]] * n if p["combine"] in ("sum", "gated") else [d[f"f{i}"] for i in range(n)]

    def shared_projections(x: Any, *params: Any) -> Any:
        ws, rest = params[:n], params[n:]
        bs, rest = (rest[:n], rest[n:]) if p["bias"] else ((), rest)
        ys = [x @ (w.T if p["w_t"] else w) for w in ws]
        ys = [y + b for y, b in zip(ys, bs, strict=True)] if p["bias"] else ys
        if p["combine"] == "separate":
            return tuple(ys)
        if p["combine"] == "sum":
            y = sum(ys[1:], ys[0])
        elif p["combine"] == "concat":
            y = jnp.concatenate(ys, axis=-1)
        else:
            y = jax.nn.silu(ys[0]) * sum(ys[2:], ys[1])
        return y @ rest[0] if p["out_proj"] else y

    x = (p["batch"]["b"], d["s"], d["d"]) if p["batch"] else (d["s"], d["d"])
    args: Args = [(x, "f32")]
    args += [(((f, d["d"]) if p["w_t"] else (d["d"], f)), "f32") for f in width]
    args += [((f,), "f32") for f in width] if p["bias"] else []
    if p["out_proj"]:
        args.append(((d["f0"] if p["combine"] != "concat" else sum(width), d["o"]), "f32"))
    return shared_projections, args


def _proj_drops(p: Params) -> list[Params]:
    out = []
    if p["n"] > 2:
        q = copy.deepcopy(p)
        q["n"] -= 1
        q["dims"].pop(f"f{q['n']}", None)
        out.append(q)
    if p["out_proj"]:
        q = {**copy.deepcopy(p), "out_proj": False}
        q["dims"].pop("o")
        out.append(q)
    if p["batch"]:
        out.append({**copy.deepcopy(p), "batch": {}})
    return out + _flag_drops(p, ("bias", "w_t"))


# -- dense layers and reduction heads ---------------------------------------------------------------
_ACTS = ("tanh", "logistic", "relu", "gelu", "silu", "none")
_HEADS = ("sum_rows", "mean_cols", "max_cols", "log_softmax", "logsumexp", "argmax", "sq_norm", "scaled_sum")


def _head_sample(rng: np.random.Generator, pick: Callable[[], int]) -> Params:
    layers = [
        {"act": _choice(rng, _ACTS), "bias": bool(rng.random() < 0.8)} for _ in range(int(rng.integers(1, 3)))
    ]
    heads = sorted({_choice(rng, _HEADS) for _ in range(int(rng.integers(1, 4)))})
    dims = {"n": pick(), "c": pick(), **{f"h{i}": pick() for i in range(len(layers) + 1)}}
    return {"dims": dims, "batch": {}, "layers": layers, "heads": heads}


def _act(name: str, h: Any) -> Any:
    import jax

    jnp = _jnp()
    return {
        "tanh": jnp.tanh, "logistic": jax.nn.sigmoid, "relu": lambda v: jnp.maximum(v, 0.0),
        "gelu": jax.nn.gelu, "silu": jax.nn.silu, "none": lambda v: v,
    }[name](h)  # fmt: skip


def _head_build(p: Params) -> Built:
    import jax

    jnp, d, layers = _jnp(), p["dims"], p["layers"]
    needs_logits = any(h in ("log_softmax", "logsumexp", "argmax") for h in p["heads"])

    def dense_head(x: Any, *params: Any) -> Any:
        it = iter(params)
        h = x
        for layer in layers:
            h = h @ next(it)
            h = h + next(it) if layer["bias"] else h
            h = _act(layer["act"], h)
        logits = h @ next(it) + next(it) if needs_logits else h
        heads = {
            "sum_rows": lambda: jnp.sum(h, axis=0),
            "mean_cols": lambda: jnp.mean(h, axis=-1),
            "max_cols": lambda: jnp.max(h, axis=-1),
            "log_softmax": lambda: jax.nn.log_softmax(logits, axis=-1),
            "logsumexp": lambda: jax.nn.logsumexp(logits, axis=-1),
            "argmax": lambda: jnp.argmax(logits, axis=-1),
            "sq_norm": lambda: jnp.sum(h * h, axis=-1),
            "scaled_sum": lambda: jnp.sum(h * 2.0),
        }
        return tuple(heads[k]() for k in p["heads"])

    args: Args = [((d["n"], d["h0"]), "f32")]
    for i, layer in enumerate(layers):
        args.append(((d[f"h{i}"], d[f"h{i + 1}"]), "f32"))
        args += [((d[f"h{i + 1}"],), "f32")] if layer["bias"] else []
    if needs_logits:
        args += [((d[f"h{len(layers)}"], d["c"]), "f32"), ((d["c"],), "f32")]
    return dense_head, args


def _head_drops(p: Params) -> list[Params]:
    out = []
    if len(p["layers"]) > 1:
        q = copy.deepcopy(p)
        q["layers"].pop()
        q["dims"].pop(f"h{len(p['layers'])}")
        out.append(q)
    for k in p["heads"] if len(p["heads"]) > 1 else []:
        q = copy.deepcopy(p)
        q["heads"].remove(k)
        out.append(q)
    for j, layer in enumerate(p["layers"]):
        for key, plain in (("act", "none"), ("bias", False)):
            if layer[key] != plain:
                q = copy.deepcopy(p)
                q["layers"][j][key] = plain
                out.append(q)
    return out


# -- attention --------------------------------------------------------------------------------------
def _attn_sample(rng: np.random.Generator, pick: Callable[[], int]) -> Params:
    proj = bool(rng.random() < 0.4)
    dims = {"s": pick(), "t": pick(), "d": min(pick(), 128)}
    if rng.random() < 0.5 or proj:
        del dims["t"]  # self-attention: keys as long as queries
    if proj:
        dims["m"] = pick()
    return {
        "dims": dims,
        "batch": {"b": _choice(rng, SMALL), "h": _choice(rng, SMALL)},
        "layout": _choice(rng, ("bhsd", "bshd")),
        "scale": _choice(rng, ("scores_div", "scores_mul", "q_mul", "none")),
        "mask": _choice(rng, ("none", "causal", "padding")),
        "softmax": _choice(rng, ("jax", "explicit")),
        "proj": proj,
        "merge": proj or bool(rng.random() < 0.3),
    }


def _attn_build(p: Params) -> Built:
    import jax

    jnp, d, bh = _jnp(), p["dims"], p["batch"]
    b, h, s, t, hd = bh["b"], bh["h"], d["s"], d.get("t", d["s"]), d["d"]
    bhsd = p["layout"] == "bhsd"
    scale = 1.0 / float(np.sqrt(hd))

    def heads(x: Any, n: int) -> Any:  # [b, n, h*hd] -> the layout
        x = x.reshape(b, n, h, hd)
        return x.transpose(0, 2, 1, 3) if bhsd else x

    def attention(*args: Any) -> Any:
        if p["proj"]:
            x, wq, wk, wv, wo, *rest = args
            q, k, v = heads(x @ wq, s), heads(x @ wk, s), heads(x @ wv, s)
        else:
            q, k, v, *rest = args
        q = q * scale if p["scale"] == "q_mul" else q
        sc = jnp.einsum("bhqd,bhkd->bhqk" if bhsd else "bqhd,bkhd->bhqk", q, k)
        sc = {"scores_div": lambda: sc / jnp.sqrt(jnp.float32(hd)), "scores_mul": lambda: sc * scale}.get(
            p["scale"], lambda: sc
        )()
        if p["mask"] == "causal":
            sc = jnp.where(jnp.arange(s)[:, None] >= jnp.arange(t)[None, :], sc, -1e9)
        elif p["mask"] == "padding":
            sc = jnp.where(rest[0][:, None, None, :], sc, jnp.float32(-1e9))
        if p["softmax"] == "jax":
            w = jax.nn.softmax(sc, axis=-1)
        else:
            e = jnp.exp(sc - jnp.max(sc, axis=-1, keepdims=True))
            w = e / jnp.sum(e, axis=-1, keepdims=True)
        o = jnp.einsum("bhqk,bhkd->bhqd" if bhsd else "bhqk,bkhd->bqhd", w, v)
        if not p["merge"]:
            return o
        o = (o.transpose(0, 2, 1, 3) if bhsd else o).reshape(b, s, h * hd)
        return o @ wo if p["proj"] else o

    def qkv(n: int) -> tuple[int, ...]:
        return (b, h, n, hd) if bhsd else (b, n, h, hd)

    if p["proj"]:
        m = d["m"]
        args: Args = [((b, s, m), "f32"), *[((m, h * hd), "f32")] * 3, ((h * hd, m), "f32")]
    else:
        args = [(qkv(s), "f32"), (qkv(t), "f32"), (qkv(t), "f32")]
    if p["mask"] == "padding":
        args.append(((b, t), "bool"))
    return attention, args


def _attn_drops(p: Params) -> list[Params]:
    out = _flag_drops(p, ("mask", "scale"), "none")
    if p["proj"]:
        q = {**copy.deepcopy(p), "proj": False}
        q["dims"].pop("m")
        out.append(q)
    return out + _flag_drops(p, ("merge",)) + _flag_drops(p, ("softmax",), "jax")


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("matmul_chain", _chain_sample, _chain_build, _chain_drops),
        Family("batched_einsum", _einsum_sample, _einsum_build, _einsum_drops),
        Family("shared_projections", _proj_sample, _proj_build, _proj_drops),
        Family("dense_head", _head_sample, _head_build, _head_drops),
        Family("attention", _attn_sample, _attn_build, _attn_drops),
    )
}


# -- lowering, fitting, shrinking -------------------------------------------------------------------
def lower(family: str, params: Params) -> tuple[str, float, float]:
    """The StableHLO text of a family's program, and XLA's estimate of its flops and bytes
    accessed (unfused)."""
    import jax

    fn, args = FAMILIES[family].build(params)
    dtypes = {"f32": _jnp().float32, "bool": _jnp().bool_}
    lowered = jax.jit(fn, keep_unused=True).lower(*(jax.ShapeDtypeStruct(s, dtypes[t]) for s, t in args))
    cost = lowered.cost_analysis() or {}
    return str(lowered.as_text()), float(cost.get("flops", 0.0)), float(cost.get("bytes accessed", 0.0))


def _halve_largest(params: Params) -> bool:
    """Halve the largest dimension above 8 (or else the largest batch above 1); False if none."""
    for key, floor in (("dims", 8), ("batch", 1)):
        group = params[key]
        name = max(group, key=lambda k: group[k], default=None)
        if name is not None and group[name] > floor:
            group[name] = max(floor, group[name] // 2)
            return True
    return False


def _double_smallest(params: Params, max_dim: int) -> bool:
    """Double the smallest dimension, up to `max_dim`; False if none can grow."""
    group = params["dims"]
    name = min(group, key=lambda k: group[k], default=None)
    if name is None or group[name] * 2 > max_dim:
        return False
    group[name] *= 2
    return True


def _program(family: str, seed: int, params: Params, grow_to: int = 0) -> PerfProgram:
    """Lower `params`, halving dimensions until the program is within the budgets, and (with
    `grow_to`) doubling them, up to that size, while it is below `MIN_FLOPS`."""
    params = copy.deepcopy(params)
    text, flops, nbytes = lower(family, params)
    while (flops > MAX_FLOPS or nbytes > MAX_BYTES) and _halve_largest(params):
        text, flops, nbytes = lower(family, params)
    while grow_to and flops < MIN_FLOPS:
        bigger = copy.deepcopy(params)
        if not _double_smallest(bigger, grow_to):
            break
        text2, flops2, nbytes2 = lower(family, bigger)
        if flops2 > MAX_FLOPS or nbytes2 > MAX_BYTES:
            break
        params, text, flops = bigger, text2, flops2
    _, args = FAMILIES[family].build(params)
    return PerfProgram(family, seed, params, text, [list(s) for s, _ in args], flops)


def generate(family: str, seed: int, max_dim: int = 1024) -> PerfProgram:
    """Program `seed` of `family`: the same for the same arguments."""
    rng = np.random.default_rng([seed, zlib.crc32(family.encode())])
    sizes = [s for s in SIZES if s <= max_dim] or [SIZES[0]]

    def pick() -> int:
        return int(_choice(rng, sizes))

    return _program(family, seed, FAMILIES[family].sample(rng, pick), grow_to=max_dim)


def rebuild(prog: PerfProgram, params: Params) -> PerfProgram:
    return _program(prog.family, prog.seed, params)


def shrink_candidates(prog: PerfProgram) -> list[Params]:
    """Smaller variants of the program's parameters: one piece dropped, or one dimension halved."""
    out = FAMILIES[prog.family].drops(prog.params)
    for key, floor in (("dims", 8), ("batch", 1)):
        for name, size in sorted(prog.params[key].items(), key=lambda kv: -kv[1]):
            if size > floor:
                q = copy.deepcopy(prog.params)
                q[key][name] = max(floor, size // 2)
                out.append(q)
    return out
