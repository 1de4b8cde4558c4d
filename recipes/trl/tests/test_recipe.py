"""The TRL recipe's pieces on the shipped tiny model: tokenizer, training-file checks, a DPO + LoRA-merge job,
the server's chat completions. Real libraries, no hub: every model here is made from tiny.py in a temp dir.

    .strawberry/trl-venv/bin/python -m pytest recipes/trl/tests -q"""
import filecmp
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
RECIPE = os.path.dirname(HERE)
sys.path.insert(0, RECIPE)

import serve  # noqa: E402
import tiny  # noqa: E402
import train  # noqa: E402


def chat(user, assistant):
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def tokenizer():
    return tiny.load_tokenizer()


@pytest.fixture(scope="module")
def untrained(tmp_path_factory, tokenizer):
    """A fresh tiny Llama saved in Hugging Face format: a parent checkpoint without any training."""
    d = str(tmp_path_factory.mktemp("untrained"))
    tiny.new_model(tokenizer, seed=0).save_pretrained(d)
    tokenizer.save_pretrained(d)
    return d


def test_the_shipped_tokenizer_is_what_the_builder_makes(tmp_path):
    tiny.build_tokenizer().save_pretrained(str(tmp_path))
    shipped = sorted(os.listdir(tiny.TOKENIZER_DIR))
    assert shipped == sorted(os.listdir(tmp_path))
    for name in shipped:
        assert filecmp.cmp(os.path.join(tiny.TOKENIZER_DIR, name), os.path.join(tmp_path, name), shallow=False), name


def test_one_token_per_character_and_a_chat_template_that_marks_the_assistant(tokenizer):
    text = "rev 12\n3 {x}"
    ids = tokenizer(text)["input_ids"]
    assert len(ids) == len(text) and tokenizer.decode(ids) == text
    out = tokenizer.apply_chat_template([{"role": "user", "content": "ab"}, {"role": "assistant", "content": "ba"}], tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    assert tokenizer.decode(out["input_ids"]) == "<s><|user|>ab</s><|assistant|>ba</s>"
    # What is trained on: the assistant's characters and its end of turn, nothing of the prompt.
    assert [t for t, m in zip(tokenizer.convert_ids_to_tokens(out["input_ids"]), out["assistant_masks"]) if m] == ["b", "a", "</s>"]


def test_the_tiny_model_has_a_few_hundred_thousand_parameters(tokenizer):
    n = sum(p.numel() for p in tiny.new_model(tokenizer).parameters())
    assert 100_000 < n < 1_000_000


def test_training_files_are_checked_line_by_line(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", [chat("a", "b")])
    assert train.read_training_file(good, "sft") == [chat("a", "b")]
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_output": [{"role": "assistant", "content": "y"}], "non_preferred_output": [{"role": "assistant", "content": "n"}]}])
    assert train.read_training_file(pairs, "dpo") == [{"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "assistant", "content": "y"}], "rejected": [{"role": "assistant", "content": "n"}]}]
    for bad, why in [("{nope", "not JSON"), ('{"messages": []}', "non-empty list"), ('{"messages": [{"role": "user", "content": "x"}]}', "no assistant message"),
                     ('{"messages": [{"role": "robot", "content": "x"}]}', "message 0 must be")]:
        f = write_jsonl(tmp_path / "bad.jsonl", [chat("a", "b"), bad])
        with pytest.raises(train.DataError, match=f"bad.jsonl:2: .*{why}"):
            train.read_training_file(f, "sft")
    with pytest.raises(train.DataError, match="pairs.jsonl:1 input"):
        train.read_training_file(write_jsonl(tmp_path / "pairs.jsonl", [chat("a", "b")]), "dpo")


def test_a_bad_training_file_exits_2_naming_the_line(tmp_path):
    f = write_jsonl(tmp_path / "bad.jsonl", [chat("a", "b"), chat("c", "d"), "[1, 2]"])
    p = subprocess.run([sys.executable, os.path.join(RECIPE, "train.py"), "--train-file", f, "--output-dir", str(tmp_path / "out")], capture_output=True, text=True)
    assert p.returncode == 2
    assert f"bad training file: {f}:3: expected a JSON object" in p.stderr
    assert not os.path.exists(tmp_path / "out")


def test_dpo_with_a_merged_lora_writes_a_full_checkpoint_and_logs_its_parent(tmp_path, untrained):
    pairs = [{"input": {"messages": [{"role": "user", "content": f"rev {d}"}]}, "preferred_output": [{"role": "assistant", "content": d[::-1]}],
              "non_preferred_output": [{"role": "assistant", "content": d}]} for d in ("123", "456", "789", "102")]
    f = write_jsonl(tmp_path / "pairs.jsonl", pairs)
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, os.path.join(RECIPE, "train.py"), "--method", "dpo", "--beta", "0.1", "--train-file", f, "--output-dir", str(out),
                        "--parent", untrained, "--lora-merge", "--batch-size", "4", "--epochs", "1"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    assert {"event": "parent", "path": untrained, "kind": "full"} in events
    done = events[-1]
    assert done["event"] == "done" and done["saved"] == "merged" and done["method"] == "dpo" and done["beta"] == 0.1
    assert (out / "model.safetensors").exists() and not (out / "adapter_config.json").exists()
    model, tok = serve.load_checkpoint(str(out))
    assert model.config.model_type == "llama" and tok.eos_token == "</s>"


def test_chat_completions_sample_n_with_seed_usage_and_finish_reason(untrained):
    reg = serve.Registry(None)
    reg.load("tiny", untrained)
    body = {"model": "tiny", "messages": [{"role": "user", "content": "rev 123"}], "n": 3, "temperature": 1.0, "seed": 5, "max_tokens": 6}
    a = serve.chat_completion(reg, body)
    assert [c["index"] for c in a["choices"]] == [0, 1, 2]
    assert a["usage"]["prompt_tokens"] == 11  # <s> <|user|> r e v ' ' 1 2 3 </s> <|assistant|>, once for all n
    assert a["usage"]["total_tokens"] == a["usage"]["prompt_tokens"] + a["usage"]["completion_tokens"]
    assert 3 <= a["usage"]["completion_tokens"] <= 18
    for c in a["choices"]:
        assert c["finish_reason"] in ("stop", "length") and c["message"]["role"] == "assistant"
    assert [c["message"] for c in serve.chat_completion(reg, body)["choices"]] == [c["message"] for c in a["choices"]]
    # max_completion_tokens wins over max_tokens; an untrained model rarely stops within 1 token.
    one = serve.chat_completion(reg, {**body, "n": 1, "max_tokens": 50, "max_completion_tokens": 1})
    assert one["usage"]["completion_tokens"] == 1
    with pytest.raises(serve.ApiError, match="does not exist") as e:
        serve.chat_completion(reg, {**body, "model": "other"})
    assert e.value.status == 404
    with pytest.raises(serve.ApiError, match="`n` must be"):
        serve.chat_completion(reg, {**body, "n": 0})
