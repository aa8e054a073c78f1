"""Model backends: llama.cpp for local GGUF files, an OpenAI-compatible HTTP client, a scripted test model.

Backends implement `steward.models.base.ModelBackend` and are registered through the `register_models` hook
(`steward.models.builtin`); `steward.models.router.ModelPool` creates them once per process and `Route`
chooses one per request with fallback. `steward.models.artefacts` assembles and verifies the built-in GGUF
files; `steward.models.embeddings` is the one embedding module: all-MiniLM-L6-v2 for the whole process, the
`RagEmbedder` shape RAG depends on, and `embed_unique` for the metrics. Importing this package loads nothing
heavy.
"""
