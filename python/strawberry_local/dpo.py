"""Direct Preference Optimization for the tiny decoder (Rafailov et al. 2023, eq. 7).

    loss = -log sigmoid(beta * ((log pi(y_w|x) - log ref(y_w|x)) - (log pi(y_l|x) - log ref(y_l|x))))

The reference model is the parent checkpoint, frozen: its log-probabilities are computed once, before
training, and never differentiated. Preference files use the line format OpenAI, Together and Fireworks
document: {"input": {"messages": [...]}, "preferred_output": [{"role": "assistant", ...}],
"non_preferred_output": [{"role": "assistant", ...}]}."""
from __future__ import annotations

import json

import numpy as np

from . import tokenizer
from .data import DatasetError, encode_examples


def read_pairs(path: str) -> list[tuple[str, str, str]]:
    """(prompt text, preferred reply, non-preferred reply) per line; errors name the file and line."""
    out: list[tuple[str, str, str]] = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(f"{path}:{lineno}: not JSON ({e.msg})") from None
            where = f"{path}:{lineno}"
            msgs = (row.get("input") or {}).get("messages") if isinstance(row, dict) and isinstance(row.get("input"), dict) else None
            if not isinstance(msgs, list) or not msgs:
                raise DatasetError(f"{where}: expected input.messages, a non-empty list")
            try:
                prompt = tokenizer.render_chat(msgs)
            except ValueError:
                raise DatasetError(f"{where}: input.messages holds no user message") from None
            replies = [_reply(row, field, where) for field in ("preferred_output", "non_preferred_output")]
            out.append((prompt, replies[0], replies[1]))
    if not out:
        raise DatasetError(f"{path}: no preference pairs")
    return out


def _reply(row: dict, field: str, where: str) -> str:
    v = row.get(field)
    if not isinstance(v, list) or len(v) != 1 or not isinstance(v[0], dict) or v[0].get("role") != "assistant":
        raise DatasetError(f"{where}: {field}: expected exactly one assistant message")
    content = v[0].get("content")
    if not isinstance(content, str) or not content:
        raise DatasetError(f"{where}: {field}[0].content: expected a non-empty string")
    return content


def encode_pairs(pairs: list[tuple[str, str, str]], max_len: int):
    """Token matrices and masks of the preferred and the non-preferred sequences, padded to one length."""
    chosen = encode_examples([(p, w) for p, w, _ in pairs], max_len)
    rejected = encode_examples([(p, l) for p, _, l in pairs], max_len)
    t = max(chosen[0].shape[1], rejected[0].shape[1])

    def pad(a):
        return np.pad(a, ((0, 0), (0, t - a.shape[1])))

    return pad(chosen[0]), pad(chosen[1]), pad(rejected[0]), pad(rejected[1]), chosen[2] + rejected[2]


def sequence_logprob(logits, tokens, mask):
    """Sum over the masked positions of log p(next token): the log-probability of each reply, shape [N]."""
    import jax
    import jax.numpy as jnp

    logp = jax.nn.log_softmax(logits[:, :-1], axis=-1)
    picked = jnp.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]
    return (picked * mask[:, :-1]).sum(axis=-1)


def dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta: float):
    """Mean DPO loss and the mean implicit reward margin beta * (chosen log-ratio - rejected log-ratio)."""
    import jax
    import jax.numpy as jnp

    margin = beta * ((policy_chosen - ref_chosen) - (policy_rejected - ref_rejected))
    return -jax.nn.log_sigmoid(margin).mean(), jnp.mean(margin)
