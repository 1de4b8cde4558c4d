"""The TRL training recipe: one job of the `local` provider's training command, in Hugging Face format.

    python recipes/trl/train.py --train-file data.jsonl --output-dir out/ [--parent CKPT] --seed 1
    python recipes/trl/train.py --method dpo --beta 0.1 --train-file pairs.jsonl --parent CKPT --output-dir out/
    python recipes/trl/train.py ... --parent CKPT --lora [--lora-merge]

--train-file: chat JSONL, one {"messages": [...]} per line (sft), or one OpenAI preference line
{"input": {"messages": [...]}, "preferred_output": [msg], "non_preferred_output": [msg]} (dpo).
--parent: a checkpoint directory (a full model, or a PEFT adapter over one); empty or absent: the tiny Llama of
tiny.py from scratch. --lora trains a LoRA adapter on top of the parent and saves the adapter (a parent that is
itself an adapter is trained further, so every adapter stays relative to one full model); --lora-merge saves
the merged full weights instead. The output is save_pretrained of the model and the tokenizer.

Prints one JSON line per event (start, parent, progress, done); exit 2 on bad input (the message names the file
and line), so the job fails with that reason in its log tail."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

# The recipe never fetches from a model hub: a parent that is not a directory here is an error, not a download.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

ROLES = ("system", "user", "assistant")


def say(**kw):
    print(json.dumps(kw), flush=True)


class DataError(ValueError):
    pass


def _check_messages(msgs, where: str, need_assistant: bool):
    if not isinstance(msgs, list) or not msgs:
        raise DataError(f"{where}: expected a non-empty list of messages")
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise DataError(f"{where}: message {i} must be {{\"role\": system|user|assistant, \"content\": string}}")
    if need_assistant and not any(m["role"] == "assistant" for m in msgs):
        raise DataError(f"{where}: no assistant message (nothing to train on)")
    return [{"role": m["role"], "content": m["content"]} for m in msgs]


def read_training_file(path: str, method: str) -> list[dict]:
    """The lines as TRL's conversational datasets want them: {messages} for sft, {prompt, chosen, rejected} for dpo."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{where}: not JSON ({e.msg})") from None
            if not isinstance(obj, dict):
                raise DataError(f"{where}: expected a JSON object")
            if method == "sft":
                rows.append({"messages": _check_messages(obj.get("messages"), where, True)})
            else:
                prompt = _check_messages((obj.get("input") or {}).get("messages") if isinstance(obj.get("input"), dict) else None, f"{where} input", False)
                chosen = _check_messages(obj.get("preferred_output"), f"{where} preferred_output", True)
                rejected = _check_messages(obj.get("non_preferred_output"), f"{where} non_preferred_output", True)
                rows.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})
    if not rows:
        raise DataError(f"{path}: no training lines")
    return rows


def is_adapter(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "adapter_config.json"))


def load_parent(path: str):
    """(model, tokenizer, kind) of a checkpoint directory: a full model, or a PEFT adapter with its base."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not os.path.isdir(path) or not (is_adapter(path) or os.path.isfile(os.path.join(path, "config.json"))):
        raise FileNotFoundError(f"{path} is not a Hugging Face checkpoint directory (no config.json or adapter_config.json)")
    tokenizer = AutoTokenizer.from_pretrained(path)
    if is_adapter(path):
        from peft import PeftModel

        with open(os.path.join(path, "adapter_config.json")) as f:
            base = json.load(f)["base_model_name_or_path"]
        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), path, is_trainable=True)
        return model, tokenizer, {"kind": "adapter", "base": base}
    return AutoModelForCausalLM.from_pretrained(path), tokenizer, {"kind": "full"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="recipes/trl/train.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--train-file", required=True)
    ap.add_argument("--output-dir", required=True)
    ap.add_argument("--parent", default="", help="checkpoint directory to continue from (empty: the tiny Llama from scratch)")
    ap.add_argument("--base-model", default="", help="accepted for the command contract; the parent is what is loaded")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-len", type=int, default=256, help="longest tokenized example (longer ones are truncated)")
    ap.add_argument("--method", choices=["sft", "dpo"], default="sft")
    ap.add_argument("--beta", type=float, default=0.1, help="dpo: strength of the pull towards the reference model")
    ap.add_argument("--lora", action="store_true", help="train a LoRA adapter on top of the parent; save the adapter")
    ap.add_argument("--lora-merge", action="store_true", help="with --lora: save the merged full weights instead")
    ap.add_argument("--lora-r", type=int, default=8)
    ap.add_argument("--lora-alpha", type=int, default=16)
    ap.add_argument("--log-every", type=int, default=10)
    # A campaign's multi-turn traces carry a system prompt of about 370 characters (one token each here): a model
    # from scratch needs a context longer than tiny.py's default 256 to be sampled with it at all.
    ap.add_argument("--context", type=int, default=0, help="from scratch: the model's context (max_position_embeddings); 0: tiny.py's")
    args = ap.parse_args(argv)
    if args.lora_merge:
        args.lora = True

    t0 = time.time()
    try:
        rows = read_training_file(args.train_file, args.method)
    except (DataError, OSError) as e:
        print(f"error: bad training file: {e}", file=sys.stderr)
        return 2
    if args.method == "dpo" and not args.parent:
        print("error: --method dpo needs --parent (the reference model it is trained against)", file=sys.stderr)
        return 2

    # Heavy imports after the cheap checks, so usage and data errors are instant.
    import torch
    from datasets import Dataset
    from datasets.utils.logging import disable_progress_bar
    from transformers import TrainerCallback, set_seed
    from transformers.trainer_callback import PrinterCallback
    from transformers.utils import logging as hf_logging

    disable_progress_bar()
    hf_logging.disable_progress_bar()

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tiny

    set_seed(args.seed)
    if args.parent:
        parent = os.path.abspath(args.parent)
        try:
            model, tokenizer, info = load_parent(parent)
        except (FileNotFoundError, OSError, ValueError, KeyError) as e:
            print(f"error: --parent {args.parent}: {e}", file=sys.stderr)
            return 2
        say(event="parent", path=parent, **info)
    else:
        tokenizer = tiny.load_tokenizer()
        overrides = {"max_position_embeddings": args.context} if args.context else {}
        model, info = tiny.new_model(tokenizer, seed=args.seed, **overrides), {"kind": "scratch"}
        say(event="parent", path=None, kind="scratch", tokenizer=tiny.TOKENIZER_DIR)

    peft_config = None
    already_peft = info["kind"] == "adapter"
    if args.lora and not args.parent:
        say(event="note", message="--lora without --parent: a model from scratch is trained in full")
    elif args.lora and not already_peft:
        from peft import LoraConfig

        # Every projection of the Llama blocks (PEFT's default for Llama is q_proj and v_proj only).
        peft_config = LoraConfig(r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=0.0, task_type="CAUSAL_LM",
                                 target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    elif already_peft and not args.lora:
        # A full-weight child of an adapter: the adapter is folded into its base first.
        model = model.merge_and_unload()
        already_peft = False

    n = len(rows)
    bs = min(args.batch_size, n)
    steps = max(1, math.ceil(math.ceil(n / bs) * args.epochs))
    say(event="start", examples=n, steps=steps, method=args.method, parent=os.path.abspath(args.parent) if args.parent else None,
        lora=bool(args.lora and (peft_config or already_peft)), params=sum(p.numel() for p in model.parameters()))

    losses: list[float] = []

    class Log(TrainerCallback):
        def on_log(self, _args, state, _control, logs=None, **_kw):
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))
                say(event="progress", step=state.global_step, steps=state.max_steps, loss=round(float(logs["loss"]), 4), elapsed_s=round(time.time() - t0, 1))

    common = dict(
        output_dir=args.output_dir, num_train_epochs=args.epochs, learning_rate=args.learning_rate,
        per_device_train_batch_size=bs, seed=args.seed, data_seed=args.seed, logging_steps=args.log_every,
        # Only the final model is written, by save_pretrained below; the trainer keeps no checkpoints.
        save_strategy="no", report_to="none", disable_tqdm=True, lr_scheduler_type="cosine", warmup_steps=0.05,
        max_length=args.max_len, dataloader_num_workers=0,
        # TRL defaults to bf16 and gradient checkpointing (big models on GPUs): on a CPU, or for a model this
        # small, fp32 without checkpointing is both possible and faster.
        use_cpu=not torch.cuda.is_available(), bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),
        activation_checkpointing=False,
    )
    dataset = Dataset.from_list(rows)
    if args.method == "sft":
        from trl import SFTConfig, SFTTrainer

        cfg = SFTConfig(**common, assistant_only_loss=True, packing=False)
        trainer = SFTTrainer(model=model, args=cfg, train_dataset=dataset, processing_class=tokenizer, peft_config=peft_config, callbacks=[Log()])
    else:
        from trl import DPOConfig, DPOTrainer

        # No ref_model: TRL builds the reference from the parent as loaded (a frozen copy of a full model; for a
        # parent adapter a frozen "ref" copy of it; for a fresh LoRA the adapter disabled), as the JAX trainer does.
        cfg = DPOConfig(**common, beta=args.beta)
        trainer = DPOTrainer(model=model, args=cfg, train_dataset=dataset, processing_class=tokenizer, peft_config=peft_config, callbacks=[Log()])
    # Our JSON lines are the log: the trainer's own printed dicts would only repeat them.
    trainer.remove_callback(PrinterCallback)
    trainer.train()

    out = trainer.model
    saved = "adapter" if (peft_config or already_peft) else "full"
    if saved == "adapter" and args.lora_merge:
        out, saved = out.merge_and_unload(), "merged"
    os.makedirs(args.output_dir, exist_ok=True)
    out.save_pretrained(args.output_dir)
    tokenizer.save_pretrained(args.output_dir)
    metrics = {"examples": n, "steps": trainer.state.global_step, "final_loss": losses[-1] if losses else None, "seed": args.seed,
               "parent": os.path.abspath(args.parent) if args.parent else None, "saved": saved, "method": args.method,
               "train_file": args.train_file, "wall_s": round(time.time() - t0, 1), "torch": torch.__version__}
    if args.method == "dpo":
        metrics["beta"] = args.beta
    with open(os.path.join(args.output_dir, "train_metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    say(event="done", **metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
