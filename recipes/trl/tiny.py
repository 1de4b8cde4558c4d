"""The tiny Llama of the TRL recipe: a character-level tokenizer built here (no hub download) and a LlamaConfig
of a few hundred thousand parameters, so the whole TRL path (train, serve, sample) runs on a CPU in seconds.

    python recipes/trl/tiny.py build-tokenizer   # rewrites recipes/trl/tokenizer/ (deterministic: same bytes)
    python recipes/trl/tiny.py info              # the model's size with the shipped tokenizer

Characters, not subwords: the curricula are digits, letters and a few symbols, and a tokenizer whose every
token is one character is one a reader can check by eye (and needs no training data to build)."""
from __future__ import annotations

import argparse
import json
import os
import string
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER_DIR = os.path.join(HERE, "tokenizer")

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
# Role markers are single special tokens, so a role never has to be spelled out in characters.
ROLES = ["<|system|>", "<|user|>", "<|assistant|>"]
SPECIAL = [PAD, UNK, BOS, EOS, *ROLES]
# Printable ASCII without \x0b\x0c\r (never in chat text; they would only be ways to spell "unknown").
CHARS = [c for c in string.printable if c not in "\x0b\x0c\r"]

# {% generation %} marks what the assistant says: trl's assistant_only_loss (and transformers'
# return_assistant_tokens_mask) train on those tokens only, as the JAX trainer masks prompts.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|assistant|>' }}{% generation %}{{ message['content'] }}{{ eos_token }}{% endgeneration %}"
    "{% else %}"
    "{{ '<|' + message['role'] + '|>' + message['content'] + eos_token }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}"
)


def build_tokenizer():
    """A PreTrainedTokenizerFast over a WordLevel vocabulary: special tokens first, then one id per character."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIAL + CHARS)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    # Every character is its own piece ([\s\S]: newlines too); Fuse joins the pieces back without spaces.
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.add_special_tokens(SPECIAL)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=BOS, eos_token=EOS, unk_token=UNK, pad_token=PAD,
        additional_special_tokens=ROLES, model_max_length=512, padding_side="right",
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def load_tokenizer(path: str = TOKENIZER_DIR):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


def tiny_config(tokenizer, **overrides):
    """hidden 128, 2 layers, 4 heads, MLP 256, context 256: about 0.34M parameters (104 tokens of vocabulary)."""
    from transformers import LlamaConfig

    cfg = dict(
        vocab_size=len(tokenizer), hidden_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
        intermediate_size=256, max_position_embeddings=256, rms_norm_eps=1e-5, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    cfg.update(overrides)
    return LlamaConfig(**cfg)


def new_model(tokenizer, seed: int = 0, **overrides):
    """A freshly initialised tiny Llama (the seed fixes the initial weights)."""
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    return LlamaForCausalLM(tiny_config(tokenizer, **overrides))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="tiny.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["build-tokenizer", "info"])
    ap.add_argument("--out", default=TOKENIZER_DIR)
    args = ap.parse_args(argv)
    if args.what == "build-tokenizer":
        build_tokenizer().save_pretrained(args.out)
        print(json.dumps({"event": "tokenizer", "path": args.out, "vocab": len(SPECIAL) + len(CHARS)}))
        return 0
    tok = load_tokenizer()
    model = new_model(tok)
    print(json.dumps({"vocab": len(tok), "params": sum(p.numel() for p in model.parameters()), "config": model.config.to_diff_dict()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
