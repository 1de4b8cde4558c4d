"""The `modchain` task: a chain of L operations on digits, evaluated left to right modulo 10, one step per line.

The question is `chain <frame>`: a frame of FRAME characters, dots then the chain `d op d op ... d` (op one
of + - *). Each line of a solution is the line above with its leftmost `a op b` replaced by `..r`, r = (a op b)
mod 10, so every line has the frame's width and changes only where the chain is consumed (each step reads
the line just above it at the same relative distance, whatever the level); the last line is dots and one
digit, then the answer as \\boxed{d}. Level L holds chains of L operations. The answer cannot be had without
the steps, and a guess is right one time in ten, so answer-only filtering admits wrong reasoning.

    python -m strawberry_local.modchain curriculum --out-dir curricula/modchain --levels 6 --count 160
    python -m strawberry_local.modchain base-data --curriculum-dir curricula/modchain --levels 1-3 --count 3000 --out base.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys

MAX_OPS = 6
FRAME = 2 * MAX_OPS + 1
OPS = "+-*"


def step(line: str):
    """The line after one step, or None when the chain is finished."""
    m = re.match(r"^(\.*)(\d)([-+*])(\d)", line)
    if not m:
        return None
    a, op, b = int(m.group(2)), m.group(3), int(m.group(4))
    r = a + b if op == "+" else a - b if op == "-" else a * b
    return f"{m.group(1)}..{r % 10}{line[m.end():]}"


def solution(frame: str) -> str:
    lines, cur = [], frame
    while (nxt := step(cur)) is not None:
        lines.append(nxt)
        cur = nxt
    return "\n".join(lines + ["\\boxed{%s}" % cur.strip(".")])


def answer(frame: str) -> str:
    return solution(frame).rsplit("\\boxed{", 1)[1][:-1]


def question(frame: str) -> str:
    return f"chain {frame}"


def valid_steps(frame: str, text: str) -> bool:
    """Whether a solution is the procedure itself: every line the step of the line above, the last one
    finished, then the boxed answer (the same rule as lib/stepChecks/modchain.ts)."""
    lines = text.strip().split("\n")
    if not lines or lines[-1] != "\\boxed{%s}" % answer(frame):
        return False
    cur = frame
    for line in lines[:-1]:
        if line != step(cur):
            return False
        cur = line
    return step(cur) is None


def sample_level(rng: random.Random, level: int) -> str:
    chain = str(rng.randrange(10)) + "".join(rng.choice(OPS) + str(rng.randrange(10)) for _ in range(level))
    return "." * (FRAME - len(chain)) + chain


def parse_levels(spec: str) -> list[int]:
    if "-" in spec:
        a, b = spec.split("-", 1)
        return list(range(int(a), int(b) + 1))
    return [int(x) for x in spec.split(",")]


def cmd_curriculum(args) -> int:
    rng = random.Random(f"modchain-curriculum:{args.seed}")
    os.makedirs(args.out_dir, exist_ok=True)
    for level in range(1, args.levels + 1):
        seen: set[str] = set()
        rows = []
        while len(rows) < args.count:
            f = sample_level(rng, level)
            if f in seen:
                continue
            seen.add(f)
            rows.append({"id": f"chain-{f.strip('.')}", "question": question(f), "answer": answer(f), "steps": level})
        with open(os.path.join(args.out_dir, f"level-{level:02d}.jsonl"), "w") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
    print(f"wrote {args.levels} levels x {args.count} problems to {args.out_dir}")
    return 0


def cmd_base_data(args) -> int:
    """Solved problems of the given levels (levels in turn), none of them a problem of the curriculum directory."""
    taken: set[str] = set()
    if args.curriculum_dir:
        for name in os.listdir(args.curriculum_dir):
            if name.endswith(".jsonl"):
                with open(os.path.join(args.curriculum_dir, name)) as fh:
                    taken.update(json.loads(l)["question"] for l in fh if l.strip())
    rng = random.Random(f"modchain-base:{args.seed}")
    levels = parse_levels(args.levels)
    rows = []
    while len(rows) < args.count:
        f = sample_level(rng, levels[len(rows) % len(levels)])
        q = question(f)
        if q in taken:
            continue
        rows.append({"messages": [{"role": "user", "content": f"Problem:\n{q}"}, {"role": "assistant", "content": solution(f)}]})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} solved problems of levels {levels} to {args.out}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="strawberry_local.modchain")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("curriculum")
    c.add_argument("--out-dir", required=True)
    c.add_argument("--levels", type=int, default=MAX_OPS)
    c.add_argument("--count", type=int, default=160)
    c.add_argument("--seed", type=int, default=0)
    b = sub.add_parser("base-data")
    b.add_argument("--curriculum-dir", default="")
    b.add_argument("--levels", required=True, help="e.g. 1-3 or 1,2")
    b.add_argument("--count", type=int, default=3000)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--widths", default="", help="ignored (the frame has one width); accepted so the bench calls both tasks alike")
    b.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    return cmd_curriculum(args) if args.cmd == "curriculum" else cmd_base_data(args)


if __name__ == "__main__":
    sys.exit(main())
