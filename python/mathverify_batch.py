"""Math-Verify over a batch of answer pairs, for the differential test of our grader.

stdin: JSONL, one {"id", "gold", "pred", "params"?} per line, where params may hold Math-Verify's
compare settings: match_types (["latex", "expr"] by default), precision (6), strict (true),
allow_set_relation_comp (false).
stdout: JSONL, one {"id", "equivalent": bool, "error": str|null} per input line, in input order.

The extraction and comparison are Math-Verify's own (parse with LatexExtractionConfig(boxed_match_priority=0)
and ExprExtractionConfig, then verify), as in its test suite's compare_strings helper.
"""
import json
import sys

from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify


def targets(match_types):
    out = []
    for m in match_types:
        if m.startswith("latex"):
            out.append(LatexExtractionConfig(boxed_match_priority=0))
        elif m.startswith("expr"):
            out.append(ExprExtractionConfig())
    return out


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        row = json.loads(line)
        p = row.get("params") or {}
        try:
            t = targets(p.get("match_types", ["latex", "expr"]))
            gold = parse(row["gold"], t)
            pred = parse(row["pred"], t)
            ok = verify(
                gold,
                pred,
                float_rounding=p.get("precision", 6),
                strict=p.get("strict", True),
                allow_set_relation_comp=p.get("allow_set_relation_comp", False),
            )
            res = {"id": row["id"], "equivalent": bool(ok), "error": None}
        except Exception as err:  # a crash on one pair is that pair's verdict (not equivalent), not the batch's
            res = {"id": row["id"], "equivalent": False, "error": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
