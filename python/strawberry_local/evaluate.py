"""Pass rates of a checkpoint per level of a JSONL curriculum directory, without a server (for experiments).

    python -m strawberry_local.evaluate --checkpoint ckpt/ --curriculum-dir curricula/sortsteps --levels 1-6 \
        --problems 32 --samples 8 --temperature 1.0
Prints one JSON line per level: accuracy (mean over samples) and pass@k (any sample right)."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time


def boxed(text: str):
    m = re.findall(r"\\boxed\{([^{}]*)\}", text)
    return m[-1].strip() if m else None


def valid_steps(start: str, text: str) -> bool:
    """Whether a sortsteps solution is the procedure itself: every line one adjacent swap of a descending pair
    of the line above, ending sorted, then the boxed answer (a right answer reached by skipped or garbled
    lines is not)."""
    lines = text.strip().split("\n")
    if len(lines) < 1 or lines[-1] != "\\boxed{%s}" % "".join(sorted(start)):
        return False
    cur = start
    for line in lines[:-1]:
        diff = [i for i in range(len(cur)) if i >= len(line) or line[i] != cur[i]]
        if len(line) != len(cur) or len(diff) != 2 or diff[1] != diff[0] + 1 or cur[diff[0]] <= cur[diff[1]] or line[diff[0]] != cur[diff[1]] or line[diff[1]] != cur[diff[0]]:
            return False
        cur = line
    return cur == "".join(sorted(start))


def task_valid_steps(question: str, text: str) -> bool:
    """valid_steps of the task the question belongs to (`sort ...`: sortsteps; `chain ...`: modchain)."""
    if question.startswith("chain "):
        from .modchain import valid_steps as chain_valid

        return chain_valid(question.split()[-1], text)
    return valid_steps(question.split()[-1], text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="strawberry_local.evaluate")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--curriculum-dir", required=True)
    ap.add_argument("--levels", default="1-6")
    ap.add_argument("--problems", type=int, default=32)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--max-tokens", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from . import tokenizer
    from .model import load_checkpoint
    from .serve import Generator
    from .sortsteps import parse_levels

    cfg, params, _ = load_checkpoint(args.checkpoint)
    model = {"cfg": cfg, "params": params}
    gen = Generator()
    for level in parse_levels(args.levels):
        path = os.path.join(args.curriculum_dir, f"level-{level:02d}.jsonl")
        with open(path) as f:
            probs = [json.loads(l) for l in f if l.strip()][-args.problems :]
        t0 = time.time()
        rows, golds = [], []
        for pi, p in enumerate(probs):
            for s in range(args.samples):
                rows.append({"prompt": tokenizer.prompt_ids("Problem:\n" + p["question"]), "temperature": args.temperature, "key": (args.seed + pi, s), "max_tokens": args.max_tokens})
        outs = []
        for i in range(0, len(rows), 64):
            outs += gen.generate(model, rows[i : i + 64])
        correct = [boxed(tokenizer.decode(ids)) == probs[i // args.samples]["answer"] for i, (ids, _) in enumerate(outs)]
        per = [correct[i * args.samples : (i + 1) * args.samples] for i in range(len(probs))]
        valid = [task_valid_steps(probs[i // args.samples]["question"], tokenizer.decode(ids)) for i, (ids, _) in enumerate(outs)]
        lines = {}
        for ids, _ in outs:
            n = tokenizer.decode(ids).count("\n")
            lines[n] = lines.get(n, 0) + 1
        print(json.dumps({"level": level, "accuracy": round(sum(correct) / len(correct), 3), f"pass@{args.samples}": round(sum(any(c) for c in per) / len(per), 3),
                          "valid": round(sum(valid) / len(valid), 3), "lines": dict(sorted(lines.items())), "example": tokenizer.decode(outs[0][0])[:80], "wall_s": round(time.time() - t0, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
