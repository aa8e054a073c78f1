"""Retrieval benchmark: 100,000 chunks × 384 dimensions, search on one core, against exact brute force.

What it measures, each printed beside its reference in the same run:
  * ingest: chunks/s written to the store (SQLite rows with embeddings, FTS5 kept by triggers, one transaction
    per 1,000 chunks) and added to the product's HNSW graph (`steward.rag.index.UsearchIndex.add`, every
    core, as ingest does); embedding is measured apart (MiniLM chunks/s);
  * query: p50/p99 of the product's own vector search (`UsearchIndex.search`: int8 HNSW graph plus the exact
    float32 re-rank, one thread) for several `expansion_search` values, the product's setting marked;
    recall@10 against exact brute-force search (numpy matrix product over all vectors), and brute force's own
    p50 as the ratio. `--compare` adds plain-graph alternatives (f32/f16/i8, connectivity 16/32);
  * query embedding: p50 of embedding one question with all-MiniLM-L6-v2 on one thread, reported apart.

Data (`--data`), each headed by its intrinsic dimension (TwoNN) and the principal components holding 90% of
its variance, which is what makes a set hard for a graph index:
  * `minilm`: real text: MiniLM embeddings of paragraphs from the docstrings of the Python standard library
    and the installed packages (held-out paragraphs are the queries); embedded once, cached under
    `.steward/cache/bench-retrieval/` (20,000 paragraphs take about 12 minutes on one loaded core);
  * `embedding-like` (default): seeded unit vectors of low intrinsic dimension (a 32→384 map plus noise). At
    20,000 vectors it is harder than the real embeddings (recall@10 0.967 against 0.989 at the same setting;
    TwoNN 23.6 against 10.7), so it stands in for real text at 100,000 without over-stating recall;
  * `random`: uniform unit vectors, the worst case (no neighbourhood structure, TwoNN about 124): no graph
    index reaches useful recall on it, and no text embedding looks like it.
Texts stored in the store ingest are synthetic, only to exercise FTS5.

Answer quality: `--qa [--model FILE.gguf]` builds the SQuAD-format set of `bench/rag_qa_pydoc.py` (questions
written for Steward over the Python reference manual that CPython ships), ingests it with `--squad`, and
reports retrieval recall@4 and MRR; with a model, it answers every question through the governed pipeline,
calibrates the grounding threshold on the even-numbered questions and reports exact match, F1, wrong and
correct declines on the odd ones (see `rag_qa_pydoc.py`).

Run (the search pins itself to one core after the ingest):
     `.venv/bin/python bench/retrieval.py [--data embedding-like|minilm|random] [--chunks 100000] [--compare]`,
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


CACHE = Path(__file__).resolve().parent.parent / ".steward" / "cache" / "bench-retrieval"


def docstring_paragraphs(count: int) -> list[str]:
    """`count` real English passages: paragraphs of the docstrings of the Python standard library and the
    installed packages (read with `ast`, nothing imported), in a fixed order, deduplicated, 60-1,200 chars."""
    import ast
    import re
    import sysconfig

    roots = [Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])]
    seen: dict[str, None] = {}
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if ("site-packages" in path.parts and root.name != "site-packages") or "test" in path.parts:
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    for block in re.split(r"\n\s*\n", ast.get_docstring(node) or ""):
                        text = " ".join(block.split())
                        if 60 <= len(text) <= 1200 and sum(c.isalpha() for c in text) > 0.6 * len(text):
                            seen.setdefault(text)
            if len(seen) >= count:
                return list(seen)[:count]
    return list(seen)


def minilm_vectors(count: int) -> np.ndarray:
    """MiniLM embeddings of `count` real passages (shuffled, seed 0), cached under .steward/cache: embedding
    100k passages takes many minutes on two cores, and the vectors depend only on the corpus and the model."""
    path = CACHE / f"minilm-docstrings-{count}.npy"
    if path.exists():
        return np.load(path)
    import torch

    from steward.models.embeddings import get_rag_embedder

    texts = docstring_paragraphs(count)
    np.random.default_rng(0).shuffle(texts)
    torch.set_num_threads(int(os.environ.get("BENCH_EMBED_THREADS", "2")))
    started = time.perf_counter()
    vectors = get_rag_embedder().embed(texts)
    print(f"embedded {len(texts):,} docstring paragraphs in {time.perf_counter() - started:.0f}s (cached: {path})")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def intrinsic_dimension(vectors: np.ndarray, sample: int = 3000) -> tuple[float, int]:
    """How hard a vector set is for a graph index: the TwoNN estimate of its intrinsic dimension (Facco et al.
    2017: from the ratio of each point's second to first neighbour distance) on `sample` points, and the
    number of principal components that hold 90% of its variance."""
    points = vectors[:sample].astype(np.float64)
    distances = np.sqrt(np.maximum(2.0 - 2.0 * points @ points.T, 0.0))
    np.fill_diagonal(distances, np.inf)
    nearest = np.sort(distances, axis=1)[:, :2]
    ratios = nearest[:, 1] / np.maximum(nearest[:, 0], 1e-12)
    twonn = len(ratios) / float(np.sum(np.log(ratios[ratios > 1.0])))
    variances = np.linalg.svd(points - points.mean(axis=0), compute_uv=False) ** 2
    components = int(np.searchsorted(np.cumsum(variances) / variances.sum(), 0.9)) + 1
    return twonn, components


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
        with store.transaction() as tx:
            tx.rag.insert_chunks(rows)
            tx.rag.bump_collection("bench")
    elapsed = time.perf_counter() - started
    store.close()
    return len(vectors) / elapsed


# Alternatives measured beside the product's setting with --compare, plain graph search without a re-rank:
# (label, dtype, connectivity, expansion_add, expansion_search values)
ALTERNATIVES = [
    ("f32 M16 (before)", "f32", 16, 128, (64, 128)),
    ("f32 M32", "f32", 32, 128, (64, 128)),
    ("f16 M32", "f16", 32, 128, (64, 96)),
    ("i8 M32, no re-rank", "i8", 32, 128, (64, 96)),
]


def build_alternative(vectors: np.ndarray, dtype: str, connectivity: int, expansion_add: int):  # type: ignore[no-untyped-def]
    from usearch.index import Index

    index = Index(ndim=DIMS, metric="cos", dtype=dtype, connectivity=connectivity, expansion_add=expansion_add)
    started = time.perf_counter()
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors, threads=1)
    return index, len(vectors) / (time.perf_counter() - started)


def build_product(vectors: np.ndarray):  # type: ignore[no-untyped-def]
    """The product's own index class with its own settings, filled the way ingest fills it (every core)."""
    from steward.rag.index import UsearchIndex

    index = UsearchIndex(Path(tempfile.mkdtemp(prefix="steward-bench-index-")), "bench")
    started = time.perf_counter()
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors)
    return index, len(vectors) / (time.perf_counter() - started)


def timed_search(search, queries: np.ndarray, truth: np.ndarray, k: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """p50, p99 (ms) and recall@k of `search(query) -> keys` over the queries, one at a time."""
    times, hits = [], 0
    for query, expected in zip(queries, truth, strict=True):
        started = time.perf_counter()
        keys = search(query)
        times.append((time.perf_counter() - started) * 1000)
        hits += len(set(keys) & set(expected.tolist()))
    return percentile(times, 50), percentile(times, 99), hits / (k * len(queries))


def graph_search(index, k: int):  # type: ignore[no-untyped-def]
    return lambda query: index.search(query, k, threads=1).keys.tolist()


def print_row(
    label: str, ef: int, figures: tuple[float, float, float], exact_p50: float, k: int, note: str = ""
) -> None:
    p50, p99, recall = figures
    verdict = "meets target" if p50 <= 2.0 and recall >= 0.95 else "misses target"
    print(
        f"  {label:<26} ef={ef:<4} p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  recall@{k} {recall:.3f}  "
        f"{exact_p50 / p50:6.1f}x faster than exact  {verdict}{note}"
    )


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


def bench_embedding() -> tuple[float, float]:
    import torch

    from steward.models.embeddings import get_rag_embedder

    torch.set_num_threads(1)
    embedder = get_rag_embedder()
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


DEMO_MIN_SIMILARITY = 0.25  # `min_similarity` of the demo collection in steward/defaults/steward.yaml


def bench_qa(model: str | None, k: int, limit: int | None, prompt: str, dump: str | None = None) -> None:
    """Retrieval and answer quality on the pydoc QA set through the real pipeline; with a model, the grounding
    threshold is calibrated on the even-numbered questions and the answer metrics are reported on the odd ones
    (and on all, at the product's default threshold)."""
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    import rag_qa_pydoc as qa

    from steward.config.rag import Grounding
    from steward.evals.retrieval import evaluate, load_questions, search_as
    from steward.types import LOCAL_OPERATOR

    home = Path(tempfile.mkdtemp(prefix="steward-bench-qa-"))
    data = home / "pydoc_squad.json"
    written, dropped = qa.build(data)
    print(f"QA set: {written} questions over the CPython reference topics ({len(dropped)} dropped)")
    runtime, retriever = qa.open_app(home, model, k, prompt)
    report = retriever.ingest("pydoc", [data], squad=True)
    print(f"ingested {len(report.added)} paragraphs as {report.chunks} chunks in {report.seconds:.0f}s")
    questions = load_questions(data)[:limit]
    result = evaluate(search_as(retriever, "pydoc", LOCAL_OPERATOR, k), questions, k)
    print(
        "retrieval:", json.dumps({key: result[key] for key in ("questions", "answerable", f"recall@{k}", "mrr")})
    )
    spec = retriever.project.collections["pydoc"]
    spec.min_similarity = DEMO_MIN_SIMILARITY  # the demo collection's floor for vector-only hits
    floored = evaluate(search_as(retriever, "pydoc", LOCAL_OPERATOR, k), questions, k)
    spec.min_similarity = 0.0
    print(
        f"retrieval with min_similarity {DEMO_MIN_SIMILARITY}:",
        json.dumps({key: floored[key] for key in ("questions", "answerable", f"recall@{k}", "mrr")}),
    )
    if not model:
        return
    from steward.client import Client

    client = Client(runtime=runtime)
    try:
        rows = qa.answer_all(client, "pydoc-qa", questions)
    finally:
        client.close()
    qa.score_rows(rows, retriever.checker)
    if dump:
        Path(dump).write_text("".join(json.dumps(qa.row_dict(row)) + "\n" for row in rows))
    calibration, held_out = rows[0::2], rows[1::2]
    threshold, info = qa.calibrate(calibration)
    default = retriever.checker.threshold(Grounding())  # unset in the policy: the support check's calibrated one
    print(f"grounding threshold calibrated on {len(calibration)} questions: {threshold} {json.dumps(info)}")
    print(f"the product's default threshold: {default}")
    for name, part in ((f"held-out {len(held_out)}", held_out), (f"all {len(rows)}", rows)):
        for label, value, strict in (
            ("before: citation required, 0.5", 0.5, True),
            (f"calibrated {threshold}", threshold, False),
            (f"product default {default}", default, False),
        ):
            print(f"  {name:<12} {label:<32} {json.dumps(qa.outcomes(part, value, strict))}")


def make_data(kind: str, chunks: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    if kind == "minilm":  # held-out passages are the queries: near the indexed ones, never in them
        vectors = minilm_vectors(chunks + queries)
        return vectors[:chunks], vectors[chunks:]
    make = random_unit if kind == "random" else embedding_like
    return make(chunks, seed=1), make(queries, seed=2)


def bench_vectors(args: argparse.Namespace) -> None:
    from steward.rag import index as product

    vectors, queries = make_data(args.data, args.chunks, args.queries)
    twonn, components = intrinsic_dimension(vectors)
    print(
        f"{len(vectors):,} chunks × {DIMS} dims ({args.data}), {len(queries)} queries, search on one core; "
        f"intrinsic dimension (TwoNN) {twonn:.1f}, {components} principal components hold 90% of the variance; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    store_rate = bench_store_ingest(vectors)
    index, product_rate = build_product(vectors)
    print(
        f"ingest  store (SQLite rows + FTS5): {store_rate:,.0f} chunks/s   product HNSW add "
        f"({os.cpu_count()} threads): {product_rate:,.0f} chunks/s"
    )
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})  # one core from here on
    truth, exact_times = exact_top(vectors, queries, args.k)
    exact_p50 = percentile(exact_times, 50)
    print(
        f"exact   brute force (numpy f32):   p50 {exact_p50:.3f} ms  p99 {percentile(exact_times, 99):.3f} ms  "
        f"recall@{args.k} 1.000 (the reference)"
    )
    label = f"product {product.DTYPE} M{product.CONNECTIVITY} + re-rank"
    print(
        f"product steward.rag.index.UsearchIndex: {product.DTYPE} graph, connectivity {product.CONNECTIVITY}, "
        f"expansion_add {product.EXPANSION_ADD}, exact float32 re-rank of max({product.RERANK_AT_LEAST}, 2k) "
        "graph candidates"
    )
    for ef in sorted({32, 48, 64, 96, 128, product.EXPANSION_SEARCH}):
        index.index.expansion_search = ef
        figures = timed_search(lambda q: [key for key, _ in index.search(q, args.k, None)], queries, truth, args.k)
        note = "   <- the product's setting" if ef == product.EXPANSION_SEARCH else ""
        print_row(label, ef, figures, exact_p50, args.k, note)
    if args.compare is not None:
        chosen = [a for a in ALTERNATIVES if not args.compare or a[0].split(" (")[0].split(",")[0] in args.compare]
        for name, dtype, connectivity, expansion_add, efs in chosen:
            graph, rate = build_alternative(vectors, dtype, connectivity, expansion_add)
            print(f"  {name}: add {rate:,.0f} chunks/s on one thread")
            for ef in efs:
                graph.expansion_search = ef
                print_row(
                    name, ef, timed_search(graph_search(graph, args.k), queries, truth, args.k), exact_p50, args.k
                )
    if not args.skip_embedding:
        query_p50, chunk_rate = bench_embedding()
        print(
            f"embed   query (MiniLM, 1 thread): p50 {query_p50:.2f} ms   chunks (~190 tokens): {chunk_rate:,.0f}/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument("--data", choices=("random", "embedding-like", "minilm"), default="embedding-like")
    parser.add_argument(
        "--compare",
        nargs="*",
        metavar="NAME",
        help="also measure the alternatives (all, or those named: 'f32 M16' 'f32 M32' 'f16 M32' 'i8 M32')",
    )
    parser.add_argument("--qa", action="store_true", help="answer quality on the pydoc QA set instead")
    parser.add_argument("--model", help="a GGUF file to answer with (--qa); retrieval only without it")
    parser.add_argument("--limit", type=int, help="only the first N questions (--qa)")
    parser.add_argument("--dump", help="write each question's answer, sources and scores to this JSONL (--qa)")
    parser.add_argument(
        "--prompt", choices=("extractive", "product"), default="extractive", help="the QA app's reminder (--qa)"
    )
    args = parser.parse_args()
    if args.qa:
        bench_qa(args.model, 4, args.limit, args.prompt, args.dump)
    else:
        bench_vectors(args)


if __name__ == "__main__":
    main()
