"""open-strawberry's CPU reference backend: a tiny character-level decoder (JAX + Flax + Optax),
its trainer (`python -m strawberry_local.train`) and an OpenAI-compatible chat server
(`python -m strawberry_local.serve`)."""
