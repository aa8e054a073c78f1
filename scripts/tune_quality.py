"""Held-out exact match of a tune run's adapter against its base, on the run's validation rows (never trained on).

    python scripts/tune_quality.py .steward/tune/runs/RUN [--limit 40] [--labels a,b,c] [--out report.json]

Each validation row's prompt (every turn but the answer) goes through the base's chat template; the base and
the base + adapter each answer greedily (up to 12 new tokens), and an answer counts when, stripped, it equals the
row's answer exactly. With `--labels`, a lenient figure too: the first of the labels the answer mentions is the
right one (a chatty base that names the category in a sentence still counts). One model load: the base is the
same model with the adapter switched off.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def first_label(answer: str, labels: list[str]) -> str | None:
    text = answer.lower()
    found = [(text.find(label.replace("_", " ")), label) for label in labels if label.replace("_", " ") in text]
    found += [(text.find(label), label) for label in labels if label in text]
    return min(found)[1] if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="At most this many validation rows (0: all).")
    parser.add_argument("--labels", default="", help="Comma-separated labels, for the lenient figure.")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import torch
    from peft import PeftModel

    from steward.tune import base as bases
    from steward.tune import runs, train

    record = runs.read(args.run_dir)
    torch.set_num_threads(int(record.get("threads") or 1))
    base = bases.Base(
        model=record["base"]["model"],
        artefact=record["base"]["artefact"],
        gguf_path=Path(record["base"]["gguf_path"]),
        sha256=record["base"]["sha256"],
    )
    model, tokenizer = bases.load(base, runs.bases_dir(args.run_dir.parents[2]))
    model = PeftModel.from_pretrained(model, args.run_dir / "adapter")
    model.eval()
    rows = train.read_rows(Path(record["validation"]["path"]))
    if args.limit:
        rows = rows[: args.limit]
    results: dict[str, list[dict[str, str]]] = {"base": [], "tuned": []}
    started = time.perf_counter()
    for row in rows:
        prompt = tokenizer.apply_chat_template(
            row.messages[:-1], add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        for which in ("base", "tuned"):
            with torch.no_grad():
                if which == "base":
                    with model.disable_adapter():
                        out = model.generate(**prompt, max_new_tokens=12, do_sample=False)
                else:
                    out = model.generate(**prompt, max_new_tokens=12, do_sample=False)
            answer = tokenizer.decode(out[0, prompt["input_ids"].shape[1] :], skip_special_tokens=True).strip()
            results[which].append({"expected": row.answer, "answer": answer})
    summary = {
        "run": record["run_id"],
        "rows": len(rows),
        "validation_path": record["validation"]["path"],
        "metric": "exact match of the stripped greedy answer",
        "seconds": round(time.perf_counter() - started, 1),
    }
    for which, answers in results.items():
        hits = sum(1 for a in answers if a["answer"] == a["expected"])
        summary[which] = {"exact_match": round(hits / max(1, len(answers)), 4), "hits": hits}
        if args.labels:
            named = sum(1 for a in answers if first_label(a["answer"], args.labels.split(",")) == a["expected"])
            summary[which]["first_label_mentioned"] = round(named / max(1, len(answers)), 4)
        summary[f"{which}_examples"] = answers[:5]
    json.dump(summary, sys.stdout, indent=1)
    print()
    if args.out:
        args.out.write_text(json.dumps({**summary, "answers": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
