"""An OpenAI-compatible chat server for Hugging Face checkpoints (FastAPI + uvicorn over transformers generate).

    python recipes/trl/serve.py --port 8000 [--model NAME=CHECKPOINT_DIR ...] [--models-root DIR] [--port-file F]

The same CLI and routes as python/strawberry_local/serve.py, so the TS side (startLocalServer, the `local`
provider's adapter loading, adapterReload.ts) drives either:
  GET  /health, GET /v1/models
  POST /v1/chat/completions     model, messages, n, temperature, seed, max_tokens | max_completion_tokens, stop;
                                answers usage and each choice's finish_reason (stop | length)
  POST /v1/load_lora_adapter    {"lora_name", "lora_path"} (vLLM's route and fields): a full checkpoint or a PEFT
                                adapter directory, served under that name; the same name and path again is a no-op
  POST /v1/unload_lora_adapter  {"lora_name"}
With --models-root, a model named after a checkpoint directory there (ROOT/NAME or ROOT/NAME/output) loads on
its first request.

Why not `transformers serve`: it resolves models by hub id per request and has no vLLM load/unload routes, so
a checkpoint trained a minute ago cannot be named and loaded at runtime the way the `local` provider does it;
see the note at the end of this file for what was checked in transformers 5.25."""

import argparse
import json
import os
import socket
import sys
import threading
import time
import uuid

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a name that is not a checkpoint here is a 404, never a download


class ApiError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code = status, message, type_, code


def is_checkpoint(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "config.json")) or os.path.isfile(os.path.join(path, "adapter_config.json"))


def load_checkpoint(path: str):
    """(model, tokenizer) of a full checkpoint, or of an adapter merged into its base (the base named in
    adapter_config.json): merged once at load, so sampling an adapter costs what sampling a full model does."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not is_checkpoint(path):
        raise ApiError(404, f"{path} is not a checkpoint directory (no config.json or adapter_config.json)", code="checkpoint_not_found")
    tokenizer = AutoTokenizer.from_pretrained(path)
    if os.path.isfile(os.path.join(path, "adapter_config.json")):
        from peft import PeftModel

        with open(os.path.join(path, "adapter_config.json")) as f:
            base = json.load(f)["base_model_name_or_path"]
        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), path).merge_and_unload()
    else:
        model = AutoModelForCausalLM.from_pretrained(path)
    model.eval()
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


class Registry:
    """Loaded models by name."""

    def __init__(self, models_root: str | None):
        self.models_root = models_root
        self.models: dict[str, dict] = {}
        self.lock = threading.Lock()

    def load(self, name: str, path: str) -> dict:
        path = os.path.abspath(path)
        with self.lock:
            cur = self.models.get(name)
            if cur and cur["path"] == path:
                return cur
        model, tokenizer = load_checkpoint(path)
        entry = {"name": name, "path": path, "model": model, "tokenizer": tokenizer, "created": int(time.time())}
        with self.lock:
            self.models[name] = entry
        return entry

    def unload(self, name: str) -> bool:
        with self.lock:
            return self.models.pop(name, None) is not None

    def get(self, name: str) -> dict:
        with self.lock:
            m = self.models.get(name)
        if m:
            return m
        if self.models_root and name and "/" not in name and not name.startswith("."):
            for path in (os.path.join(self.models_root, name), os.path.join(self.models_root, name, "output")):
                if is_checkpoint(path):
                    return self.load(name, path)
        raise ApiError(404, f"The model `{name}` does not exist.", code="model_not_found")

    def list(self) -> list[dict]:
        with self.lock:
            return [{"id": m["name"], "object": "model", "created": m["created"], "owned_by": "strawberry-trl", "root": m["path"]} for m in self.models.values()]


def _num(body, field, kind, default, lo=None, hi=None):
    v = body.get(field, default)
    if v is None:
        v = default
    ok = (not isinstance(v, bool)) and (isinstance(v, int) if kind is int else isinstance(v, (int, float)))
    if not ok:
        raise ApiError(400, f"`{field}` must be {'an integer' if kind is int else 'a number'}", code="invalid_" + field)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ApiError(400, f"`{field}` must be between {lo} and {hi}", code="invalid_" + field)
    return v


# One generation at a time: torch's global RNG is what `seed` sets, and two cores gain nothing from more.
GENERATE = threading.Lock()


def chat_completion(registry: Registry, body: dict) -> dict:
    import torch

    if not isinstance(body, dict):
        raise ApiError(400, "expected a JSON object")
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "`model` is required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages):
        raise ApiError(400, "`messages` must be a non-empty list of {role, content}")
    if body.get("stream"):
        raise ApiError(400, "stream is not supported by this server")
    n = _num(body, "n", int, 1, 1, 128)
    temperature = float(_num(body, "temperature", float, 1.0, 0, 2))
    top_p = float(_num(body, "top_p", float, 1.0, 0, 1))
    field = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    max_tokens = _num(body, field, int, 256, 1, None)
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ApiError(400, "`seed` must be an integer", code="invalid_seed")
    stop = body.get("stop") or []
    if isinstance(stop, str):
        stop = [stop]
    m = registry.get(name)
    model, tok = m["model"], m["tokenizer"]
    try:
        prompt = tok.apply_chat_template([{"role": x.get("role", "user"), "content": x["content"]} for x in messages], add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"]
    except Exception as e:  # noqa: BLE001 - a template that rejects the roles is the request's error
        raise ApiError(400, f"messages: {e}") from None
    context = getattr(model.config, "max_position_embeddings", None) or 10**9
    if len(prompt) >= context:
        raise ApiError(400, f"the prompt is {len(prompt)} tokens; this model's context is {context}", code="context_length_exceeded")
    new = min(max_tokens, context - len(prompt))
    ids = torch.tensor([prompt] * n)
    with GENERATE, torch.no_grad():
        if seed is not None:
            torch.manual_seed(seed)
        sampling = dict(do_sample=True, temperature=temperature, top_p=top_p, top_k=0) if temperature > 0 else dict(do_sample=False)
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=new, pad_token_id=tok.pad_token_id,
                             eos_token_id=tok.eos_token_id, **sampling)
    choices, completion_tokens = [], 0
    for i, row in enumerate(out[:, len(prompt):].tolist()):
        reason = "length"
        if tok.eos_token_id in row:
            row, reason = row[: row.index(tok.eos_token_id) + 1], "stop"  # the EOS counts, as vLLM counts it
        completion_tokens += len(row)
        text = tok.decode(row, skip_special_tokens=True)
        for s in stop:
            if s and s in text:
                text, reason = text[: text.index(s)], "stop"
        choices.append({"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": reason, "logprobs": None})
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24], "object": "chat.completion", "created": int(time.time()), "model": name,
        "choices": choices,
        # prompt_tokens once: the n samples share the prompt (what OpenAI and vLLM bill).
        "usage": {"prompt_tokens": len(prompt), "completion_tokens": completion_tokens, "total_tokens": len(prompt) + completion_tokens},
    }


def make_app(registry: Registry):
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    app = FastAPI(title="strawberry trl serve")

    def error(e: ApiError):
        return JSONResponse({"error": {"message": e.message, "type": e.type, "param": None, "code": e.code}}, status_code=e.status)

    @app.exception_handler(ApiError)
    async def _api_error(_req, e: ApiError):
        return error(e)

    @app.exception_handler(HTTPException)
    async def _http_error(_req, e: HTTPException):
        # FastAPI's own 404 says "Not Found", which the TS side reads as "no runtime adapter loading" (vLLM's).
        return error(ApiError(e.status_code, str(e.detail), code="not_found" if e.status_code == 404 else None))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_req, e):
        return error(ApiError(400, f"bad request: {e}"))

    async def body_of(req: Request) -> dict:
        try:
            body = json.loads(await req.body() or b"{}")
        except json.JSONDecodeError as e:
            raise ApiError(400, f"request body is not JSON: {e.msg}") from None
        if not isinstance(body, dict):
            raise ApiError(400, "expected a JSON object")
        return body

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/v1/models")
    def models():
        return {"object": "list", "data": registry.list()}

    # Plain `def` routes run in FastAPI's thread pool, so a long generation does not stall /health.
    @app.post("/v1/chat/completions")
    async def chat(req: Request):
        body = await body_of(req)
        from starlette.concurrency import run_in_threadpool

        try:
            return await run_in_threadpool(chat_completion, registry, body)
        except ApiError:
            raise
        except Exception as e:  # noqa: BLE001
            raise ApiError(500, f"{type(e).__name__}: {e}", "server_error") from None

    @app.post("/v1/load_lora_adapter")
    async def load(req: Request):
        body = await body_of(req)
        name, path = body.get("lora_name") or body.get("model"), body.get("lora_path") or body.get("path")
        if not isinstance(name, str) or not name or not isinstance(path, str) or not path:
            raise ApiError(400, 'expected {"lora_name": NAME, "lora_path": CHECKPOINT_DIR}')
        from starlette.concurrency import run_in_threadpool

        m = await run_in_threadpool(registry.load, name, path)
        return {"object": "model", "id": m["name"], "root": m["path"], "status": "loaded"}

    @app.post("/v1/unload_lora_adapter")
    async def unload(req: Request):
        body = await body_of(req)
        name = body.get("lora_name") or body.get("model")
        if not isinstance(name, str) or not name:
            raise ApiError(400, 'expected {"lora_name": NAME}')
        return {"id": name, "status": "unloaded" if registry.unload(name) else "not-loaded"}

    return app


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="recipes/trl/serve.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    ap.add_argument("--port-file", default="", help="write the port here once listening")
    ap.add_argument("--model", action="append", default=[], metavar="NAME=DIR", help="load a checkpoint at start (repeatable)")
    ap.add_argument("--models-root", default="", help="load models named after checkpoint directories here on first use")
    ap.add_argument("--max-batch", type=int, default=64, help="accepted for CLI parity with strawberry_local.serve; unused")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    import uvicorn

    registry = Registry(os.path.abspath(args.models_root) if args.models_root else None)
    for spec in args.model:
        if "=" not in spec:
            print(f"error: --model {spec!r}: expected NAME=CHECKPOINT_DIR", file=sys.stderr)
            return 2
        name, path = spec.split("=", 1)
        try:
            registry.load(name, path)
        except ApiError as e:
            print(f"error: --model {spec}: {e.message}", file=sys.stderr)
            return 2
    # Bound here, not by uvicorn, so --port 0 is known before the port file is written.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = sock.getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(json.dumps({"event": "listening", "url": f"http://{args.host}:{port}/v1"}), flush=True)
    config = uvicorn.Config(make_app(registry), log_level="warning" if args.quiet else "info", access_log=not args.quiet)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())

# Why not `transformers serve` (checked in the pinned transformers 5.25, transformers/cli/serving/):
# - `n` is in UNUSED_CHAT_COMPLETION_FIELDS (chat_completion.py): ignored with a warning, one choice per request,
#   and pass-rate estimation draws k samples per request;
# - no /v1/load_lora_adapter or /v1/unload_lora_adapter: models are loaded by id through `POST /load_model` (an
#   SSE stream) or on first use, and nothing loads a PEFT adapter directory over its base;
# - it needs the `transformers[serving]` extras (the openai package for its types) on top of the pins here.
# seed, max_tokens and usage it does have; a restart per checkpoint would work, but the loop serves a new
# checkpoint every round and samples it with n > 1, so ~200 lines here are simpler than patching around it.
