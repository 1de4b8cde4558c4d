"""Plots bench:real-loop results: held-out accuracy per level over rounds, one panel per configuration.

    python -m strawberry_local.plot results.json accuracy.png"""
import json
import sys


def main(argv=None) -> int:
    argv = argv or sys.argv[1:]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = json.load(open(argv[0]))
    configs = [(k, v) for k, v in res["configs"].items() if v]
    fig, axes = plt.subplots(1, max(1, len(configs)), figsize=(5 * max(1, len(configs)), 4), sharey=True, squeeze=False)
    base = {int(k): v for k, v in res["baseAccuracy"].items()}
    for ax, (name, rows) in zip(axes[0], configs):
        levels = sorted(base)
        for lvl in levels:
            ys = [base[lvl]] + [r["accuracy"].get(str(lvl), float("nan")) for r in rows]
            ax.plot(range(len(ys)), ys, marker="o", label=f"L{lvl}")
        ax.axhline(0.7, color="grey", linestyle="--", linewidth=0.8)
        ax.set_title(name)
        ax.set_xlabel("round (0 = base)")
    axes[0][0].set_ylabel("held-out accuracy")
    axes[0][-1].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(argv[1], dpi=80)
    return 0


if __name__ == "__main__":
    sys.exit(main())
