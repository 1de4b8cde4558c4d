"""An OpenAI-compatible chat server for tiny-decoder checkpoints (Python stdlib HTTP, one batching thread).

    python -m strawberry_local.serve --port 8000 [--model NAME=CHECKPOINT_DIR ...] [--models-root DIR]

Endpoints:
  GET  /health                  200 once listening
  GET  /v1/models               the loaded models
  POST /v1/chat/completions     model, messages, n, temperature, seed, max_tokens, stop; answers usage
  POST /v1/load_lora_adapter    {"lora_name": NAME, "lora_path": DIR} (vLLM's runtime-load endpoint and
                                field names; {"model", "path"} also accepted): loads a checkpoint under a
                                name; loading the same name and path again is a no-op
  POST /v1/unload_lora_adapter  {"lora_name": NAME}
With --models-root, a model that is not loaded but names a checkpoint directory under the root (ROOT/NAME or
ROOT/NAME/output, so the `local` provider's jobs directory works as a root) is loaded on its first request. Requests for the same model are batched together (up to --max-batch rows)."""
from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ApiError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code = status, message, type_, code


class Registry:
    """Loaded models by name; compiled forward functions are shared per model config."""

    def __init__(self, models_root: str | None):
        self.models_root = models_root
        self.models: dict[str, dict] = {}
        self.lock = threading.Lock()

    def load(self, name: str, path: str) -> dict:
        from .model import load_checkpoint

        path = os.path.abspath(path)
        with self.lock:
            cur = self.models.get(name)
            if cur and cur["path"] == path:
                return cur
        try:
            cfg, params, meta = load_checkpoint(path)
        except FileNotFoundError as e:
            raise ApiError(404, str(e), code="checkpoint_not_found") from None
        entry = {"name": name, "path": path, "cfg": cfg, "params": params, "created": int(time.time())}
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
            from .model import is_checkpoint

            # <root>/<name>, or <root>/<name>/output: a jobs directory of the `local` provider is a models root.
            for path in (os.path.join(self.models_root, name), os.path.join(self.models_root, name, "output")):
                if is_checkpoint(path):
                    return self.load(name, path)
        raise ApiError(404, f"The model `{name}` does not exist.", code="model_not_found")

    def list(self) -> list[dict]:
        with self.lock:
            return [{"id": m["name"], "object": "model", "created": m["created"], "owned_by": "strawberry-local", "root": m["path"]} for m in self.models.values()]


class Generator:
    """Samples continuations for many rows at once: a jitted full-sequence forward per new token."""

    def __init__(self):
        import jax
        import jax.numpy as jnp

        from .model import Decoder

        self.jax, self.jnp = jax, jnp
        self._fns = {}
        self._Decoder = Decoder

    def _step_fn(self, cfg):
        fn = self._fns.get(cfg)
        if fn is None:
            jax, jnp = self.jax, self.jnp
            model = self._Decoder(cfg)

            @jax.jit
            def step(params, tokens, pos, keys, temps, t):
                logits = model.apply({"params": params}, tokens)
                last = logits[jnp.arange(tokens.shape[0]), pos - 1].astype(jnp.float32)
                greedy = jnp.argmax(last, axis=-1)
                ks = jax.vmap(lambda k: jax.random.fold_in(k, t))(keys)
                scaled = last / jnp.maximum(temps, 1e-6)[:, None]
                sampled = jax.vmap(jax.random.categorical)(ks, scaled)
                return jnp.where(temps > 0, sampled, greedy)

            fn = self._fns[cfg] = step
        return fn

    def generate(self, model: dict, rows: list[dict]) -> list[tuple[list[int], str]]:
        """rows: {prompt: [ids], temperature, key: (seed, index), max_tokens}. Returns (ids, finish_reason) per row."""
        import numpy as np

        from . import tokenizer

        jax, jnp = self.jax, self.jnp
        cfg = model["cfg"]
        b = len(rows)
        bucket = 1
        while bucket < b:
            bucket *= 2
        need = max(len(r["prompt"]) + r["max_tokens"] for r in rows)
        t = min(cfg.max_len, (need + 31) // 32 * 32)
        tokens = np.zeros((bucket, t), np.int32)
        pos = np.ones((bucket,), np.int32)
        temps = np.zeros((bucket,), np.float32)
        keys = np.zeros((bucket, 2), np.uint32)
        limit = np.zeros((bucket,), np.int32)
        for i, r in enumerate(rows):
            tokens[i, : len(r["prompt"])] = r["prompt"]
            pos[i] = len(r["prompt"])
            temps[i] = r["temperature"]
            seed, index = r["key"]
            keys[i] = np.asarray(jax.random.fold_in(jax.random.PRNGKey(seed), index))
            limit[i] = min(t, len(r["prompt"]) + r["max_tokens"])
        done = np.zeros((bucket,), bool)
        done[b:] = True
        reason = ["length"] * b
        step = self._step_fn(cfg)
        params = model["params"]
        k = 0
        while not done.all():
            # Causal attention: positions past the longest row cannot matter, so run only a prefix (16-token buckets).
            used = min(t, int(pos[~done].max()) // 16 * 16 + 16)
            nxt = np.asarray(step(params, jnp.asarray(tokens[:, :used]), jnp.asarray(pos), jnp.asarray(keys), jnp.asarray(temps), k))
            k += 1
            for i in range(b):
                if done[i]:
                    continue
                if pos[i] >= limit[i]:
                    done[i] = True
                    continue
                tok = int(nxt[i])
                if tok == tokenizer.EOS:
                    done[i], reason[i] = True, "stop"
                    continue
                tokens[i, pos[i]] = tok
                pos[i] += 1
                if pos[i] >= limit[i]:
                    done[i] = True
        return [(tokens[i, len(r["prompt"]) : pos[i]].tolist(), reason[i]) for i, r in enumerate(rows)]


class Batcher(threading.Thread):
    """One thread runs the model; requests for the same model that wait together are sampled together."""

    def __init__(self, max_batch: int):
        super().__init__(daemon=True)
        self.q: queue.Queue = queue.Queue()
        self.max_batch = max_batch
        self.gen: Generator | None = None

    def submit(self, model: dict, rows: list[dict]):
        job = {"model": model, "rows": rows, "event": threading.Event(), "result": None, "error": None}
        self.q.put(job)
        job["event"].wait()
        if job["error"]:
            raise job["error"]
        return job["result"]

    def run(self):
        self.gen = Generator()
        pending: list[dict] = []
        while True:
            if not pending:
                pending.append(self.q.get())
            time.sleep(0.002)
            while True:
                try:
                    pending.append(self.q.get_nowait())
                except queue.Empty:
                    break
            model = pending[0]["model"]
            batch, rest, rows = [], [], 0
            for job in pending:
                if job["model"] is model and (not batch or rows + len(job["rows"]) <= self.max_batch):
                    batch.append(job)
                    rows += len(job["rows"])
                else:
                    rest.append(job)
            pending = rest
            try:
                out = self.gen.generate(model, [r for j in batch for r in j["rows"]])
                i = 0
                for job in batch:
                    job["result"] = out[i : i + len(job["rows"])]
                    i += len(job["rows"])
            except Exception as e:  # noqa: BLE001 - reported to the waiting request
                for job in batch:
                    job["error"] = e
            for job in batch:
                job["event"].set()


def _num(body, field, kind, default, lo=None, hi=None):
    v = body.get(field, default)
    if v is None:
        v = default
    if kind is int and (isinstance(v, bool) or not isinstance(v, int)):
        raise ApiError(400, f"`{field}` must be an integer", code="invalid_" + field)
    if kind is float and (isinstance(v, bool) or not isinstance(v, (int, float))):
        raise ApiError(400, f"`{field}` must be a number", code="invalid_" + field)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ApiError(400, f"`{field}` must be between {lo} and {hi}", code="invalid_" + field)
    return v


def chat_completion(registry: Registry, batcher: Batcher, body: dict) -> dict:
    from . import tokenizer

    if not isinstance(body, dict):
        raise ApiError(400, "expected a JSON object")
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise ApiError(400, "`model` is required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "`messages` must be a non-empty list")
    n = _num(body, "n", int, 1, 1, 128)
    temperature = float(_num(body, "temperature", float, 1.0, 0, 2))
    max_tokens = _num(body, "max_completion_tokens", int, None, 1, None) if body.get("max_completion_tokens") is not None else _num(body, "max_tokens", int, 256, 1, None)
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ApiError(400, "`seed` must be an integer", code="invalid_seed")
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little")
    stop = body.get("stop") or []
    if isinstance(stop, str):
        stop = [stop]
    model = registry.get(name)
    try:
        user = tokenizer.render_chat(messages)
    except ValueError as e:
        raise ApiError(400, str(e)) from None
    prompt = tokenizer.prompt_ids(user)
    if len(prompt) >= model["cfg"].max_len:
        raise ApiError(400, f"the prompt is {len(prompt)} tokens; this model's context is {model['cfg'].max_len}", code="context_length_exceeded")
    rows = [{"prompt": prompt, "temperature": temperature, "key": (seed % (2**31), i), "max_tokens": max_tokens} for i in range(n)]
    out = batcher.submit(model, rows)
    choices, completion_tokens = [], 0
    for i, (ids, reason) in enumerate(out):
        text = tokenizer.decode(ids)
        for s in stop:
            if s and s in text:
                text, reason = text[: text.index(s)], "stop"
        completion_tokens += len(ids)
        choices.append({"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": reason, "logprobs": None})
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": name,
        "choices": choices,
        "usage": {"prompt_tokens": len(prompt), "completion_tokens": completion_tokens, "total_tokens": len(prompt) + completion_tokens},
    }


def make_handler(registry: Registry, batcher: Batcher, quiet: bool):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # noqa: N802
            if not quiet:
                sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

        def _send(self, status: int, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, e: ApiError):
            self._send(e.status, {"error": {"message": e.message, "type": e.type, "param": None, "code": e.code}})

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"{}")
            except json.JSONDecodeError as e:
                raise ApiError(400, f"request body is not JSON: {e.msg}") from None

        def do_GET(self):  # noqa: N802
            path = self.path.split("?")[0].rstrip("/")
            if path == "/health":
                return self._send(200, {"status": "ok"})
            if path == "/v1/models":
                return self._send(200, {"object": "list", "data": registry.list()})
            return self._error(ApiError(404, f"no route GET {path}", code="not_found"))

        def do_POST(self):  # noqa: N802
            path = self.path.split("?")[0].rstrip("/")
            try:
                body = self._body()
                if path == "/v1/chat/completions":
                    if body.get("stream"):
                        raise ApiError(400, "stream is not supported by this server")
                    return self._send(200, chat_completion(registry, batcher, body))
                if path in ("/v1/load_lora_adapter", "/v1/load_model"):
                    name = body.get("lora_name") or body.get("model")
                    p = body.get("lora_path") or body.get("path")
                    if not isinstance(name, str) or not name or not isinstance(p, str) or not p:
                        raise ApiError(400, "expected {\"lora_name\": NAME, \"lora_path\": CHECKPOINT_DIR}")
                    m = registry.load(name, p)
                    return self._send(200, {"object": "model", "id": m["name"], "root": m["path"], "status": "loaded"})
                if path in ("/v1/unload_lora_adapter", "/v1/unload_model"):
                    name = body.get("lora_name") or body.get("model")
                    if not isinstance(name, str) or not name:
                        raise ApiError(400, "expected {\"lora_name\": NAME}")
                    return self._send(200, {"id": name, "status": "unloaded" if registry.unload(name) else "not-loaded"})
                raise ApiError(404, f"no route POST {path}", code="not_found")
            except ApiError as e:
                return self._error(e)
            except Exception as e:  # noqa: BLE001
                return self._error(ApiError(500, f"{type(e).__name__}: {e}", "server_error"))

    return Handler


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="strawberry_local.serve", description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    ap.add_argument("--port-file", default="", help="write the port here once listening")
    ap.add_argument("--model", action="append", default=[], metavar="NAME=DIR", help="load a checkpoint at start (repeatable)")
    ap.add_argument("--models-root", default="", help="load models named after checkpoint directories here on first use")
    ap.add_argument("--max-batch", type=int, default=64)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

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
    batcher = Batcher(args.max_batch)
    batcher.start()
    server = ThreadingHTTPServer((args.host, args.port), make_handler(registry, batcher, args.quiet))
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(json.dumps({"event": "listening", "url": f"http://{args.host}:{port}/v1"}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
