"""Reads a chat fine-tuning file (OpenAI's JSONL format: one {"messages": [...]} per line) into
token sequences with a loss mask over the assistant's reply."""
from __future__ import annotations

import json

import numpy as np

from . import tokenizer


class DatasetError(ValueError):
    pass


def read_examples(path: str) -> list[tuple[str, str]]:
    """(user text, assistant reply) for every assistant turn (weight 0 turns are skipped)."""
    out: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(f"{path}:{lineno}: not JSON ({e.msg})") from None
            msgs = row.get("messages") if isinstance(row, dict) else None
            if not isinstance(msgs, list) or not msgs:
                raise DatasetError(f"{path}:{lineno}: expected an object with a non-empty `messages` list")
            for i, m in enumerate(msgs):
                if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "tool"):
                    raise DatasetError(f"{path}:{lineno}: messages[{i}]: expected a role of system, user or assistant")
                if m["role"] != "assistant" or m.get("weight", 1) == 0:
                    continue
                try:
                    user = tokenizer.render_chat(msgs[:i])
                except ValueError:
                    raise DatasetError(f"{path}:{lineno}: messages[{i}]: an assistant turn with no user message before it") from None
                out.append((user, str(m.get("content") or "")))
    if not out:
        raise DatasetError(f"{path}: no assistant turns to train on")
    return out


def encode_examples(examples: list[tuple[str, str]], max_len: int):
    """Token matrix [N, T] and loss mask [N, T] (mask marks the positions whose NEXT token is trained)."""
    seqs, starts = [], []
    truncated = 0
    for user, reply in examples:
        p = tokenizer.prompt_ids(user)
        s = p + tokenizer.encode(reply) + [tokenizer.EOS]
        if len(s) > max_len:
            truncated += 1
            s = s[:max_len]
        seqs.append(s)
        starts.append(len(p))
    t = max(len(s) for s in seqs)
    t = min(max_len, (t + 15) // 16 * 16)
    tokens = np.zeros((len(seqs), t), np.int32)
    mask = np.zeros((len(seqs), t), np.float32)
    for i, (s, st) in enumerate(zip(seqs, starts)):
        tokens[i, : len(s)] = s
        # position j predicts token j+1: train predictions of reply tokens and EOS
        mask[i, st - 1 : len(s) - 1] = 1.0
    return tokens, mask, truncated
