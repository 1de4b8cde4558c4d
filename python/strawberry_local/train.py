"""Trains the tiny decoder from scratch, or continues from a parent checkpoint, on a chat JSONL file.

    python -m strawberry_local.train --train-file data.jsonl --output-dir out/ [--parent ckpt/] --seed 1
    python -m strawberry_local.train --method dpo --beta 0.1 --train-file pairs.jsonl --parent ckpt/ --output-dir out/

`--method dpo` reads preference pairs (strawberry_local.dpo) and needs --parent: the frozen reference model.

Prints one JSON line per progress report; writes the checkpoint (config.json + params.msgpack) and
train_metrics.json into --output-dir. Exit 2 on bad input (the message names the file and line)."""
from __future__ import annotations

import argparse
import json
import math
import sys
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="strawberry_local.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--train-file", required=True)
    ap.add_argument("--output-dir", required=True)
    ap.add_argument("--parent", default="", help="checkpoint directory to continue from (empty: from scratch)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--steps", type=int, default=0, help="train this many steps instead of --epochs")
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--warmup-fraction", type=float, default=0.05)
    ap.add_argument("--d-model", type=int, default=64)
    ap.add_argument("--n-layers", type=int, default=2)
    ap.add_argument("--n-heads", type=int, default=4)
    ap.add_argument("--d-ff", type=int, default=256)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--positions", choices=["rope", "nope"], default="rope")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--method", choices=["sft", "dpo"], default="sft")
    ap.add_argument("--beta", type=float, default=0.1, help="dpo: strength of the pull towards the reference model")
    args = ap.parse_args(argv)

    # Heavy imports after argument parsing, so --help and usage errors are instant.
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    from .data import DatasetError, encode_examples, read_examples
    from .dpo import dpo_loss, encode_pairs, read_pairs, sequence_logprob
    from .model import Decoder, ModelConfig, init_params, load_checkpoint, save_checkpoint

    def say(**kw):
        print(json.dumps(kw), flush=True)

    t0 = time.time()
    dpo_mode = args.method == "dpo"
    if dpo_mode and not args.parent:
        print("error: --method dpo needs --parent (the reference model it is trained against)", file=sys.stderr)
        return 2
    try:
        examples = read_pairs(args.train_file) if dpo_mode else read_examples(args.train_file)
    except (DatasetError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.parent:
        try:
            cfg, params, _ = load_checkpoint(args.parent)
        except (FileNotFoundError, ValueError) as e:
            print(f"error: --parent {e}", file=sys.stderr)
            return 2
    else:
        cfg = ModelConfig(d_model=args.d_model, n_layers=args.n_layers, n_heads=args.n_heads, d_ff=args.d_ff, max_len=args.max_len, positions=args.positions)
        params = init_params(cfg, args.seed)
    if dpo_mode:
        xc, mc, xr, mr, truncated = encode_pairs(examples, cfg.max_len)
        tokens = xc
    else:
        tokens, mask, truncated = encode_examples(examples, cfg.max_len)
    n = tokens.shape[0]
    bs = min(args.batch_size, n)
    steps = args.steps or max(1, math.ceil(n * args.epochs / bs))
    say(event="start", examples=n, seq_len=int(tokens.shape[1]), truncated=truncated, steps=steps, parent=args.parent or None,
        params=int(sum(x.size for x in jax.tree_util.tree_leaves(params))))

    warmup = min(int(steps * args.warmup_fraction), steps - 1)
    if steps < 2:
        sched = optax.constant_schedule(args.learning_rate)
    else:
        sched = optax.warmup_cosine_decay_schedule(0.0, args.learning_rate, warmup, steps, args.learning_rate * 0.1)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(sched, weight_decay=0.01))
    opt_state = opt.init(params)
    model = Decoder(cfg)

    def sft_loss(p, x, m):
        logits = model.apply({"params": p}, x)[:, :-1]
        targets = x[:, 1:]
        ce = optax.softmax_cross_entropy_with_integer_labels(logits, targets)
        mm = m[:, :-1]
        return (ce * mm).sum() / jnp.maximum(mm.sum(), 1.0)

    def logprobs(p, x, m):
        return sequence_logprob(model.apply({"params": p}, x), x, m)

    def dpo_batch_loss(p, x1, m1, x2, m2, ref1, ref2):
        return dpo_loss(logprobs(p, x1, m1), logprobs(p, x2, m2), ref1, ref2, args.beta)[0]

    @jax.jit
    def step(p, s, *batch):
        loss, g = jax.value_and_grad(dpo_batch_loss if dpo_mode else sft_loss)(p, *batch)
        upd, s = opt.update(g, s, p)
        return optax.apply_updates(p, upd), s, loss

    def margin(p):
        """Mean log pi(preferred) - log pi(non-preferred) over every pair: DPO should raise it."""
        return float(np.mean(np.asarray(logprobs(p, jnp.asarray(xc), jnp.asarray(mc)) - logprobs(p, jnp.asarray(xr), jnp.asarray(mr)))))

    if dpo_mode:
        # The reference is the parent as loaded: its log-probabilities are fixed before the first update.
        ref_c = np.asarray(logprobs(params, jnp.asarray(xc), jnp.asarray(mc)))
        ref_r = np.asarray(logprobs(params, jnp.asarray(xr), jnp.asarray(mr)))
        margin_before = float(np.mean(ref_c - ref_r))

    rng = np.random.default_rng(args.seed)
    order = rng.permutation(n)
    pos = 0
    losses = []
    for i in range(1, steps + 1):
        if pos + bs > n:
            order, pos = rng.permutation(n), 0
        idx = order[pos : pos + bs]
        pos += bs
        if dpo_mode:
            batch = (xc[idx], mc[idx], xr[idx], mr[idx], ref_c[idx], ref_r[idx])
        else:
            batch = (tokens[idx], mask[idx])
        params, opt_state, loss = step(params, opt_state, *(jnp.asarray(b) for b in batch))
        losses.append(float(loss))
        if i % args.log_every == 0 or i == steps:
            say(event="progress", step=i, steps=steps, loss=round(sum(losses[-args.log_every:]) / len(losses[-args.log_every:]), 4), elapsed_s=round(time.time() - t0, 1))

    metrics = {"examples": n, "steps": steps, "final_loss": losses[-1], "seed": args.seed, "parent": args.parent or None,
               "train_file": args.train_file, "wall_s": round(time.time() - t0, 1), "method": args.method}
    if dpo_mode:
        metrics.update(beta=args.beta, margin_before=margin_before, margin_after=margin(params))
    save_checkpoint(args.output_dir, cfg, params, {"trained_from": args.parent or None, "seed": args.seed, "method": args.method})
    with open(f"{args.output_dir}/train_metrics.json", "w") as f:
        json.dump(metrics, f, indent=2)
    say(event="done", **metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
