"""Time to first token of the demo app, streamed through the governed pipeline with a real local model.

For each question it prints the time to the first released text and to the end of the stream, and the number
of pieces released; the end of the stream is what a client waited for before a grounded answer was released
sentence by sentence (the whole answer was held for the grounding check), so the two columns compare the two
behaviours in the same run. Run it against an older checkout (`PYTHONPATH=<that>/src`) for the old figures.

    .venv/bin/python bench/stream_ttft.py [--model qwen2.5-coder-0.5b] [--repeat 1]

The demo project (embedded defaults) is opened in-process under `$STEWARD_HOME` (default `.steward`);
`--model` routes the app to another of its models (the 0.5B is about three times faster than the default).
"""

from __future__ import annotations

import argparse
import statistics
import time

QUESTIONS = (
    "What is the status of PNR 290049223?",
    "Which gate does flight EX731 leave from, and when does boarding start?",
    "What are the rules for hand luggage and liquids, and how early should I check in?",
    "Hello! How are you?",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="route the demo app to this model of the project")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from steward.cli import context
    from steward.config.schema import RouteEntry

    project = context.project()
    app = project.apps["airport-assistant"]
    if args.model:
        project.apps["airport-assistant"] = app.model_copy(update={"route": [RouteEntry(model=args.model)]})
    with context.client() as client:
        client.chat("airport-assistant", "Hi")  # loads the model, the embedder and the scanners once
        print(f"{'question':<72} {'first text s':>12} {'end s':>8} {'pieces':>6} {'chars':>6}")
        for question in QUESTIONS:
            first, end, pieces = [], [], 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                got = None
                pieces, chars = 0, 0
                for piece in client.stream("airport-assistant", question):
                    got = got or time.perf_counter() - t0
                    pieces, chars = pieces + 1, chars + len(piece)
                end.append(time.perf_counter() - t0)
                first.append(got or end[-1])
            status = client.last_result.record.status
            print(
                f"{question[:60] + ' (' + status + ')':<72} {statistics.median(first):>12.2f} "
                f"{statistics.median(end):>8.2f} {pieces:>6} {chars:>6}"
            )


if __name__ == "__main__":
    main()
