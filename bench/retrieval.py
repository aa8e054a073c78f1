"""Retrieval benchmark: 100,000 chunks × 384 dimensions on one core, against exact brute force.

What it measures, each printed beside its reference in the same run:
  * ingest: chunks/s written to the store (SQLite rows with embeddings, FTS5 kept by triggers, one transaction
    per 1,000 chunks) and added to the usearch HNSW graph; embedding is measured apart (MiniLM chunks/s);
  * query: p50/p99 of one HNSW search (one thread) for several `expansion_search` values, recall@10 against
    exact brute-force search (numpy matrix product over all vectors), and brute force's own p50 as the ratio;
  * query embedding: p50 of embedding one question with all-MiniLM-L6-v2 on one thread, reported apart.

Vectors are synthetic (seeded), not embeddings of text. `--data random` draws uniform random unit vectors:
the worst case for any graph index (no structure at all; intrinsic dimension 384), where HNSW needs a large
`expansion_search` for high recall. `--data embedding-like` draws unit vectors of low intrinsic dimension
(32), as sentence embeddings have. Texts are synthetic, only to exercise FTS5 during the ingest.

Answer quality: `--qa [--model FILE.gguf]` builds the SQuAD-format set of `bench/rag_qa_pydoc.py` (questions
written for Steward over the Python reference manual that CPython ships), ingests it with `--squad`, and runs
`steward rag eval`'s metrics: retrieval only, or with answers from the local model through the pipeline.

Run: `.venv/bin/python bench/retrieval.py [--data random|embedding-like] [--chunks 100000] [--queries 500]`,
     `.venv/bin/python bench/retrieval.py --qa --model .steward/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf`.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, numpy's reference included

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

DIMS = 384


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def random_unit(n: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, DIMS), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def embedding_like(n: int, seed: int, latent: int = 32) -> np.ndarray:
    """Unit vectors with a low intrinsic dimension (a fixed random 32→384 map plus 10% noise), as text
    embeddings have; the map is shared by chunks and queries (seed 0), the points differ by `seed`."""
    basis = np.random.default_rng(0).standard_normal((latent, DIMS), dtype=np.float32)
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, latent), dtype=np.float32) @ basis
    vectors += (
        0.1
        * np.linalg.norm(vectors, axis=1, keepdims=True)
        / np.sqrt(DIMS)
        * rng.standard_normal((n, DIMS), dtype=np.float32)
    )
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def bench_store_ingest(vectors: np.ndarray) -> float:
    """Chunks/s into SQLite (rows + FTS5 triggers) through the RAG SQL, transactions of 1,000."""
    from sqlalchemy import insert

    from steward.store import Store
    from steward.store import rag as sql

    folder = Path(tempfile.mkdtemp(prefix="steward-bench-rag-"))
    store = Store.open(f"sqlite:///{folder / 'bench.db'}")
    words = [
        "gate",
        "terminal",
        "baggage",
        "booking",
        "flight",
        "status",
        "passenger",
        "check-in",
        "lounge",
        "parking",
    ]
    started = time.perf_counter()
    with store.engine.begin() as conn:
        document_id = conn.execute(
            insert(sql.rag_documents).values(
                collection="bench",
                key="bench",
                uri="bench",
                title="bench",
                kind="txt",
                content_hash="0" * 64,
                version=1,
                ingested_at=0.0,
                updated_at=0.0,
                groups="[]",
                meta="{}",
                chunks=len(vectors),
            )
        ).inserted_primary_key[0]
    for start in range(0, len(vectors), 1000):
        rows = [
            {
                "document_id": document_id,
                "collection": "bench",
                "position": i,
                "section": "",
                "text": f"chunk {i} " + " ".join(words[(i + j) % len(words)] for j in range(40)),
                "tokens": 42,
                "embedding": vectors[i],
            }
            for i in range(start, min(start + 1000, len(vectors)))
        ]
        with store.engine.begin() as conn:
            sql.insert_chunks(conn, rows)
            sql.bump_collection(conn, "bench")
    elapsed = time.perf_counter() - started
    store.close()
    return len(vectors) / elapsed


def build_index(vectors: np.ndarray):  # type: ignore[no-untyped-def]
    from usearch.index import Index

    index = Index(ndim=DIMS, metric="cos", dtype="f32", connectivity=16, expansion_add=128)
    keys = np.arange(len(vectors), dtype=np.uint64)
    started = time.perf_counter()
    index.add(keys, vectors, threads=1)
    return index, len(vectors) / (time.perf_counter() - started)


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, list[float]]:
    truth, times = [], []
    for query in queries:
        started = time.perf_counter()
        scores = vectors @ query
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        times.append((time.perf_counter() - started) * 1000)
        truth.append(top)
    return np.asarray(truth), times


def bench_search(index, queries: np.ndarray, truth: np.ndarray, k: int, ef: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    index.expansion_search = ef
    times, hits = [], 0
    for query, expected in zip(queries, truth, strict=True):
        started = time.perf_counter()
        matches = index.search(query, k, threads=1)
        times.append((time.perf_counter() - started) * 1000)
        hits += len(set(matches.keys.tolist()) & set(expected.tolist()))
    return percentile(times, 50), percentile(times, 99), hits / (k * len(queries))


def bench_embedding() -> tuple[float, float]:
    import torch

    from steward.rag.embedding import load_embedder

    torch.set_num_threads(1)
    embedder = load_embedder()
    embedder.embed(["warm up"])
    questions = [f"What is the status of booking {n} on flight EX{n % 900 + 100}?" for n in range(40)]
    times = []
    for question in questions:
        started = time.perf_counter()
        embedder.embed([question])
        times.append((time.perf_counter() - started) * 1000)
    chunk = " ".join(["The checked baggage allowance is one bag of 23 kg on economy fares."] * 12)
    started = time.perf_counter()
    embedder.embed([chunk] * 64)
    return statistics.median(times), 64 / (time.perf_counter() - started)


def bench_qa(model: str | None, k: int, limit: int | None) -> None:
    """Retrieval (and, given a GGUF, answer) quality on the pydoc QA set through the real pipeline."""
    import json
    import sys

    import yaml

    sys.path.insert(0, str(Path(__file__).parent))
    from rag_qa_pydoc import build

    from steward.client import Client
    from steward.config import Settings, load_project_text
    from steward.gateway.assemble import open_runtime
    from steward.rag import Retriever
    from steward.rag.evaluation import evaluate, load_questions, pipeline_answerer, search_as
    from steward.types import LOCAL_OPERATOR

    home = Path(tempfile.mkdtemp(prefix="steward-bench-qa-"))
    data = home / "pydoc_squad.json"
    written, dropped = build(data)
    print(f"QA set: {written} questions over the CPython reference topics ({len(dropped)} dropped)")
    project_data = {
        "version": 1,
        "models": {
            "m": {
                "backend": "llama_cpp",
                "path": str(Path(model).resolve()),
                "context_length": 4096,
                "n_threads": 2,
            }
            if model
            else {"backend": "scripted", "replies": ["unused"]}
        },
        "collections": {"pydoc": {"top_k": k}},
        "apps": {
            "pydoc-qa": {
                "owner": "bench@example.com",
                "purpose": "Answer Python questions.",
                "route": [{"model": "m"}],
                "rag": "pydoc",
                "prompt": {"system": "You answer questions about the Python language briefly."},
                "params": {"temperature": 0.0, "seed": 1, "max_tokens": 64},
            }
        },
    }
    project = load_project_text(yaml.safe_dump(project_data), "bench-steward.yaml")
    project.root = home
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'qa.db'}")
    runtime = open_runtime(project, settings)
    retriever = runtime.gateway.retriever or Retriever.from_project(project, settings, runtime.store)
    report = retriever.ingest("pydoc", [data], squad=True)
    print(f"ingested {len(report.added)} paragraphs as {report.chunks} chunks in {report.seconds:.0f}s")
    questions = load_questions(data)[:limit]
    client = Client(runtime=runtime) if model else None
    answer = pipeline_answerer(client, "pydoc-qa") if client else None
    result = evaluate(search_as(retriever, "pydoc", LOCAL_OPERATOR, k), questions, k, answer)
    failures = result.pop("failures")
    print(json.dumps(result, indent=1))
    for failure in failures[:5]:
        print(f"failed {failure['id']}: {failure['error']}")
    if client:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument("--data", choices=("random", "embedding-like"), default="random")
    parser.add_argument("--qa", action="store_true", help="answer quality on the pydoc QA set instead")
    parser.add_argument("--model", help="a GGUF file to answer with (--qa); retrieval only without it")
    parser.add_argument("--limit", type=int, help="only the first N questions (--qa)")
    args = parser.parse_args()
    if args.qa:
        bench_qa(args.model, 4, args.limit)
        return
    make = random_unit if args.data == "random" else embedding_like
    vectors, queries = make(args.chunks, seed=1), make(args.queries, seed=2)
    load = os.getloadavg()[0]
    print(
        f"{args.chunks:,} chunks × {DIMS} dims ({args.data} unit vectors), {args.queries} queries, one core; "
        f"machine load average {load:.1f} on {os.cpu_count()} cores"
    )

    store_rate = bench_store_ingest(vectors)
    index, index_rate = build_index(vectors)
    print(f"ingest  store (SQLite rows + FTS5): {store_rate:,.0f} chunks/s   HNSW add: {index_rate:,.0f} chunks/s")

    truth, exact_times = exact_top(vectors, queries, args.k)
    exact_p50 = percentile(exact_times, 50)
    print(
        f"exact   brute force (numpy):  p50 {exact_p50:.3f} ms  p99 {percentile(exact_times, 99):.3f} ms  "
        f"recall@{args.k} 1.000 (reference)"
    )
    for ef in (16, 32, 64, 128, 256):
        p50, p99, recall = bench_search(index, queries, truth, args.k, ef)
        verdict = "meets target" if p50 <= 2.0 and recall >= 0.95 else ""
        print(
            f"hnsw    expansion_search={ef:<4} p50 {p50:.3f} ms  p99 {p99:.3f} ms  recall@{args.k} {recall:.3f}  "
            f"{exact_p50 / p50:5.1f}x faster than exact  {verdict}"
        )
    if not args.skip_embedding:
        query_p50, chunk_rate = bench_embedding()
        print(
            f"embed   query (MiniLM, 1 thread): p50 {query_p50:.2f} ms   chunks (~190 tokens): {chunk_rate:,.0f}/s"
        )


if __name__ == "__main__":
    main()
