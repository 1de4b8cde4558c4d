"""Characters as tokens: 4 special tokens, newline and printable ASCII. Anything else becomes '?'."""
from __future__ import annotations

PAD, BOS, SEP, EOS = 0, 1, 2, 3
_CHARS = ["\n"] + [chr(c) for c in range(32, 127)]
_SPECIAL = 4
VOCAB_SIZE = _SPECIAL + len(_CHARS)
_INDEX = {ch: i + _SPECIAL for i, ch in enumerate(_CHARS)}
_UNKNOWN = _INDEX["?"]


def encode(text: str) -> list[int]:
    return [_INDEX.get(ch, _UNKNOWN) for ch in text]


def decode(ids) -> str:
    out = []
    for i in ids:
        i = int(i)
        if i == EOS:
            break
        if i >= _SPECIAL:
            out.append(_CHARS[i - _SPECIAL])
    return "".join(out)


def prompt_ids(user: str) -> list[int]:
    """What the model is conditioned on: BOS, the user's text, SEP."""
    return [BOS] + encode(user) + [SEP]


def render_chat(messages: list[dict]) -> str:
    """The tiny model conditions on the last user message only (system prompts are ignored)."""
    users = [m.get("content") or "" for m in messages if m.get("role") == "user"]
    if not users:
        raise ValueError("messages hold no user message")
    content = users[-1]
    if isinstance(content, list):  # OpenAI content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content
