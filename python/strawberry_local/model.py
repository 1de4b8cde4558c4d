"""A small decoder-only transformer in Flax (linen): pre-LayerNorm blocks, rotary or no position
encoding, tied input/output embeddings. Checkpoints are a directory with `config.json` and the
parameters as Flax msgpack (`params.msgpack`, `flax.serialization`)."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

import jax
import jax.numpy as jnp
import flax.linen as nn
from flax import serialization

from . import tokenizer

CONFIG_FILE = "config.json"
PARAMS_FILE = "params.msgpack"


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = tokenizer.VOCAB_SIZE
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    d_ff: int = 256
    max_len: int = 128
    positions: str = "rope"  # rope | nope
    model_type: str = "strawberry-tiny-decoder"

    @staticmethod
    def from_dict(d: dict) -> "ModelConfig":
        known = {k: v for k, v in d.items() if k in ModelConfig.__dataclass_fields__}
        return ModelConfig(**known)


def rope(x, positions):
    """Rotary position embedding over the last axis of x [B, T, H, D]."""
    d = x.shape[-1]
    half = d // 2
    freqs = 1.0 / (10000 ** (jnp.arange(half) / half))
    ang = positions[:, :, None, None] * freqs  # [B, T, 1, half]
    cos, sin = jnp.cos(ang), jnp.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return jnp.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)


class Block(nn.Module):
    cfg: ModelConfig

    @nn.compact
    def __call__(self, x, positions, mask):
        cfg = self.cfg
        b, t, _ = x.shape
        dh = cfg.d_model // cfg.n_heads
        h = nn.LayerNorm()(x)
        qkv = nn.Dense(3 * cfg.d_model, use_bias=False)(h).reshape(b, t, 3, cfg.n_heads, dh)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        if cfg.positions == "rope":
            q, k = rope(q, positions), rope(k, positions)
        att = jnp.einsum("bqhd,bkhd->bhqk", q, k) / jnp.sqrt(dh)
        att = jnp.where(mask[:, None], att, -1e9)
        att = jax.nn.softmax(att, axis=-1)
        out = jnp.einsum("bhqk,bkhd->bqhd", att, v).reshape(b, t, cfg.d_model)
        x = x + nn.Dense(cfg.d_model, use_bias=False)(out)
        h = nn.LayerNorm()(x)
        h = nn.Dense(cfg.d_ff)(h)
        h = nn.gelu(h)
        return x + nn.Dense(cfg.d_model)(h)


class Decoder(nn.Module):
    cfg: ModelConfig

    @nn.compact
    def __call__(self, tokens):
        cfg = self.cfg
        b, t = tokens.shape
        embed = nn.Embed(cfg.vocab_size, cfg.d_model, embedding_init=nn.initializers.normal(0.02))
        x = embed(tokens)
        positions = jnp.broadcast_to(jnp.arange(t)[None], (b, t)).astype(jnp.float32)
        mask = jnp.tril(jnp.ones((t, t), dtype=bool))[None]
        for _ in range(cfg.n_layers):
            x = Block(cfg)(x, positions, mask)
        x = nn.LayerNorm()(x)
        return embed.attend(x)


def init_params(cfg: ModelConfig, seed: int):
    return Decoder(cfg).init(jax.random.PRNGKey(seed), jnp.zeros((1, 8), jnp.int32))["params"]


def save_checkpoint(out_dir: str, cfg: ModelConfig, params, extra: dict | None = None) -> None:
    """Writes config.json and params.msgpack; params first, config last (config.json marks it complete)."""
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, PARAMS_FILE + ".tmp")
    with open(tmp, "wb") as f:
        f.write(serialization.to_bytes(params))
    os.replace(tmp, os.path.join(out_dir, PARAMS_FILE))
    meta = dict(asdict(cfg), **(extra or {}))
    tmp = os.path.join(out_dir, CONFIG_FILE + ".tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=2)
    os.replace(tmp, os.path.join(out_dir, CONFIG_FILE))


def is_checkpoint(path: str) -> bool:
    return os.path.isfile(os.path.join(path, CONFIG_FILE)) and os.path.isfile(os.path.join(path, PARAMS_FILE))


def load_checkpoint(path: str):
    if not is_checkpoint(path):
        raise FileNotFoundError(f"{path}: not a checkpoint (expected {CONFIG_FILE} and {PARAMS_FILE})")
    with open(os.path.join(path, CONFIG_FILE)) as f:
        meta = json.load(f)
    cfg = ModelConfig.from_dict(meta)
    template = init_params(cfg, 0)
    with open(os.path.join(path, PARAMS_FILE), "rb") as f:
        params = serialization.from_bytes(template, f.read())
    return cfg, params, meta
