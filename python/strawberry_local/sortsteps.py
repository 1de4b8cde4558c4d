"""The `sortsteps` task: sort six distinct digits by adjacent swaps, one swap per line.

Level L holds the arrays with exactly L inversions, so a solution takes L lines: each line rewrites the
whole array after swapping its leftmost descending pair, then the answer follows as \\boxed{sorted}. Every
line has the same width, so each step reads the line just above it at the same relative distance whatever
the level: level L+1 asks for one more step of the same kind, never for a position the model has not seen.

    python -m strawberry_local.sortsteps curriculum --out-dir curricula/sortsteps --levels 10 --count 240
    python -m strawberry_local.sortsteps base-data --curriculum-dir curricula/sortsteps --levels 1-3 --count 3000 --out base.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys

WIDTH = 6
DIGITS = "123456789"


def inversions(s: str) -> int:
    return sum(1 for i in range(len(s)) for j in range(i + 1, len(s)) if s[i] > s[j])


def solution(s: str) -> str:
    lines = []
    cur = list(s)
    while True:
        d = next((i for i in range(len(cur) - 1) if cur[i] > cur[i + 1]), None)
        if d is None:
            break
        cur[d], cur[d + 1] = cur[d + 1], cur[d]
        lines.append("".join(cur))
    return "\n".join(lines + ["\\boxed{%s}" % "".join(cur)])


def question(s: str) -> str:
    return f"sort {s}"


def sample_level(rng: random.Random, level: int, width: int = WIDTH) -> str:
    """A uniformly random array of `width` distinct digits with exactly `level` inversions (a random
    inversion table, drawn until its sum is `level`)."""
    while True:
        digits = sorted(rng.sample(DIGITS, width))
        # Lehmer code: code[i] <= width-1-i, sum = inversions. Draw codes until the sum matches.
        code = [rng.randint(0, width - 1 - i) for i in range(width)]
        if sum(code) != level:
            continue
        pool, out = digits[:], []
        for c in code:
            out.append(pool.pop(c))
        return "".join(out)


def parse_levels(spec: str) -> list[int]:
    if "-" in spec:
        a, b = spec.split("-", 1)
        return list(range(int(a), int(b) + 1))
    return [int(x) for x in spec.split(",")]


def cmd_curriculum(args) -> int:
    rng = random.Random(f"sortsteps-curriculum:{args.seed}")
    os.makedirs(args.out_dir, exist_ok=True)
    for level in range(1, args.levels + 1):
        seen: set[str] = set()
        rows = []
        while len(rows) < args.count:
            s = sample_level(rng, level)
            if s in seen:
                continue
            seen.add(s)
            rows.append({"id": f"sort-{s}", "question": question(s), "answer": "".join(sorted(s)), "steps": level})
        with open(os.path.join(args.out_dir, f"level-{level:02d}.jsonl"), "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    print(f"wrote {args.levels} levels x {args.count} problems to {args.out_dir}")
    return 0


def cmd_base_data(args) -> int:
    """Solved problems of the given levels (levels in turn), none of them a problem of the curriculum directory."""
    taken: set[str] = set()
    if args.curriculum_dir:
        for name in os.listdir(args.curriculum_dir):
            if name.endswith(".jsonl"):
                with open(os.path.join(args.curriculum_dir, name)) as f:
                    taken.update(json.loads(l)["question"] for l in f if l.strip())
    rng = random.Random(f"sortsteps-base:{args.seed}")
    levels = parse_levels(args.levels)
    widths = parse_levels(args.widths) if args.widths else [WIDTH]
    rows = []
    while len(rows) < args.count:
        level = levels[len(rows) % len(levels)]
        # Several widths (optional): the k-th line of a solution then sits at many distances from the prompt,
        # so the model cannot learn "stop after the third line" from positions; it must stop when sorted.
        s = sample_level(rng, level, widths[(len(rows) // len(levels)) % len(widths)])
        q = question(s)
        if q in taken:  # low levels hold few arrays (level 1: 420): repeats are allowed, curriculum problems never
            continue
        rows.append({"messages": [{"role": "user", "content": f"Problem:\n{q}"}, {"role": "assistant", "content": solution(s)}]})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} solved problems of levels {levels} to {args.out}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="strawberry_local.sortsteps")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("curriculum")
    c.add_argument("--out-dir", required=True)
    c.add_argument("--levels", type=int, default=10)
    c.add_argument("--count", type=int, default=240)
    c.add_argument("--seed", type=int, default=0)
    b = sub.add_parser("base-data")
    b.add_argument("--curriculum-dir", default="")
    b.add_argument("--levels", required=True, help="e.g. 1-3 or 1,2")
    b.add_argument("--count", type=int, default=3000)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--widths", default="", help=f"array widths, e.g. 4-8 (default {WIDTH} only)")
    b.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    return cmd_curriculum(args) if args.cmd == "curriculum" else cmd_base_data(args)


if __name__ == "__main__":
    sys.exit(main())
