"""Drift (issue 17, item 2): the tests, the windows and `steward monitor drift`."""

from __future__ import annotations

import hashlib
import json
import random

import numpy as np
import pytest
from typer.testing import CliRunner

from steward.errors import InvalidRequest
from steward.monitor import drift_tests
from steward.monitor.drift import EMBEDDING_WEIGHT, WindowSample, alpha_shares, detect_drift
from steward.monitor.windows import Window, load_window, parse_window
from steward.store import Store
from steward.types import Decision, Finding, ModelRef, Record, Turn

DIM = 32


def _topics(seed: int = 0, k: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, DIM))
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def _window(rng: np.random.Generator, topics: np.ndarray, n: int, shift: float) -> np.ndarray:
    """n unit vectors around topics 0-4, with `shift` of them around topic 5 instead."""
    which = rng.integers(0, 5, size=n)
    which[: int(n * shift)] = 5
    rows = topics[which] + rng.normal(scale=0.9 / np.sqrt(DIM), size=(n, DIM)) * 3
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _sample(label: str, vectors: np.ndarray, texts: list[str] | None = None) -> WindowSample:
    texts = texts or [f"question number {i} about the topic" for i in range(len(vectors))]
    return WindowSample(label=label, inputs=texts, input_embeddings=vectors, records=len(vectors))


def test_windows_of_one_mix_are_not_called_drifted_and_a_shift_in_a_fifth_is() -> None:
    topics = _topics()
    rng = np.random.default_rng(1)
    calm = [
        detect_drift(
            "a", _sample("r", _window(rng, topics, 300, 0)), _sample("c", _window(rng, topics, 300, 0)), seed=i
        )
        for i in range(20)
    ]
    assert sum(report.drifted for report in calm) <= 1
    shifted = detect_drift(
        "a", _sample("r", _window(rng, topics, 300, 0)), _sample("c", _window(rng, topics, 300, 0.2))
    )
    assert shifted.drifted
    embedding = next(s for s in shifted.signals if s.name == "input.embedding.mmd_neighbours")
    assert embedding.drifted and embedding.statistic > embedding.threshold
    assert embedding.p_value is not None and embedding.p_value < 0.01


def test_each_signal_gets_a_share_of_alpha_and_says_its_statistic_and_threshold() -> None:
    topics = _topics()
    rng = np.random.default_rng(2)
    report = detect_drift(
        "a", _sample("r", _window(rng, topics, 200, 0)), _sample("c", _window(rng, topics, 200, 0))
    )
    names = {s.name for s in report.signals}
    assert names == {
        "input.embedding.domain_auc",
        "input.embedding.mmd_neighbours",
        "input.length",
        "input.language",
    }
    auc = next(s for s in report.signals if s.name == "input.embedding.domain_auc")
    assert auc.threshold >= drift_tests.DOMAIN_AUC  # Evidently's 0.55 is the floor
    assert 0 <= auc.statistic <= 1 and auc.p_value is not None and not auc.drifted
    as_json = report.as_dict()
    assert as_json["drifted"] is False
    assert {"name", "statistic", "threshold", "drifted"} <= set(as_json["signals"][0])
    assert "output.embedding" in report.skipped and "quality" in report.skipped


def test_a_rise_in_a_scanners_verdict_rate_and_a_length_shift_are_detected() -> None:
    rate = drift_tests.two_proportions("verdicts.input.pii", (20, 1000), (60, 1000), alpha=0.001)
    assert rate.drifted and rate.reference == pytest.approx(0.02) and rate.current == pytest.approx(0.06)
    same = drift_tests.two_proportions("verdicts.input.pii", (20, 1000), (24, 1000), alpha=0.001)
    assert not same.drifted
    rng = np.random.default_rng(3)
    short, long = rng.lognormal(3, 0.5, 500), rng.lognormal(3.6, 0.5, 500)
    assert drift_tests.psi("len", short, long, alpha=0.001, numeric=True).drifted
    assert not drift_tests.psi("len", short, rng.lognormal(3, 0.5, 500), alpha=0.001, numeric=True).drifted


def test_a_window_too_small_is_refused_with_what_to_do() -> None:
    topics = _topics()
    rng = np.random.default_rng(4)
    with pytest.raises(
        InvalidRequest, match=r"needs at least 30 records .* the reference window r holds 12: widen the window"
    ):
        detect_drift("a", _sample("r", _window(rng, topics, 12, 0)), _sample("c", _window(rng, topics, 100, 0)))
    with pytest.raises(
        InvalidRequest, match=r"needs at least 30 records .* the current window c holds 29: widen the window"
    ):
        detect_drift("a", _sample("r", _window(rng, topics, 100, 0)), _sample("c", _window(rng, topics, 29, 0)))


@pytest.mark.parametrize(
    "spec, message",
    [
        ("yesterday", "neither FROM..TO"),
        ("2026-12-02..2026-12-01", "ends before it starts"),
        ("2026-13-01..now", "not an ISO 8601"),
    ],
)
def test_a_bad_window_says_what_to_write(spec: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        parse_window(spec)


def test_windows_parse_dates_durations_and_a_deployments_first_records() -> None:
    window = parse_window("2026-12-01..2026-12-01T12:00", now=0)
    assert (window.since, window.until) == (1796083200.0, 1796083200.0 + 12 * 3600)
    recent = parse_window("-24h..now", now=100_000.0)
    assert (recent.since, recent.until) == (100_000.0 - 86_400, 100_000.0)
    assert parse_window("first:500@qwen@2") == Window("first:500@qwen@2", first=500, model="qwen@2")


class HashEmbedder:
    """Deterministic stand-in for MiniLM: texts of one topic word land near that topic's direction."""

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in texts:
            topic = text.split()[0]
            seed = int(hashlib.sha256(topic.encode()).hexdigest()[:8], 16)
            centre = np.random.default_rng(seed).normal(size=DIM)
            noise = np.random.default_rng(int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)).normal(size=DIM)
            row = centre / np.linalg.norm(centre) + noise * 0.25
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32)


def _traffic(store: Store, start: float, n: int, topics: list[str], rng: random.Random) -> None:
    for i in range(n):
        record = Record.start("airport-assistant")
        record.created_at = start + i
        topic = rng.choice(topics)
        record.input = [Turn("user", f"{topic} question {rng.random():.6f} about my trip please")]
        record.output = f"{topic} answer {rng.random():.6f}"
        record.model = ModelRef(id="qwen", backend="llama")
        findings = [Finding(scanner="pii", kind="PERSON", score=0.9, stage="input")] if rng.random() < 0.1 else []
        record.decisions = [Decision(stage="input", action="allow", findings=findings, scanner_ms={"pii": 1.0})]
        store.write_sync(record)


def test_drift_command_reads_the_windows_from_the_store(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from steward.cli import app as cli

    url = f"sqlite:///{tmp_path / 'steward.db'}"
    rng = random.Random(5)
    with Store.open(url) as store:
        _traffic(store, 1_800_000_000, 200, ["baggage", "flights", "parking"], rng)
        _traffic(store, 1_800_100_000, 200, ["baggage", "flights", "parking"], rng)
        _traffic(store, 1_800_200_000, 200, ["visa", "visa", "flights"], rng)
        embedder = HashEmbedder()
        window = load_window(
            store, "airport-assistant", parse_window("2027-01-15T08:00..2027-01-15T09:00"), embedder=embedder
        )
        assert window.records == 200 and window.verdicts["input.pii"][1] == 200
        again = load_window(
            store, "airport-assistant", parse_window("2027-01-15T08:00..2027-01-15T09:00"), embedder=embedder
        )
        assert embedder.calls == 2  # inputs and outputs once; the second load read them back from the store
        assert np.array_equal(window.input_embeddings, again.input_embeddings)

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_DATABASE_URL", url)
    monkeypatch.setattr("steward.models.embeddings.get_embedder", HashEmbedder)
    runner = CliRunner()
    args = ["monitor", "drift", "airport-assistant", "--json"]
    calm = runner.invoke(cli, [*args, "--reference", "2027-01-15T08:00..2027-01-15T09:00",
                               "--current", "2027-01-16T11:46..2027-01-16T12:00"])  # fmt: skip
    assert calm.exit_code == 0, calm.output
    body = json.loads(calm.stdout)
    assert body["drifted"] is False and {s["name"] for s in body["signals"]} >= {
        "input.embedding.mmd_neighbours",
        "verdicts.input.pii",
    }
    moved = runner.invoke(cli, [*args, "--reference", "2027-01-15T08:00..2027-01-15T09:00",
                                "--current", "2027-01-17T15:33..2027-01-17T16:00"])  # fmt: skip
    assert moved.exit_code == 1, moved.output  # drift: exit status 1, for scripts
    assert json.loads(moved.stdout)["drifted"] is True
    empty = runner.invoke(cli, [*args, "--reference", "2020-01-01..2020-01-02"])
    assert isinstance(empty.exception, InvalidRequest) and "needs at least 30" in str(empty.exception)
    unknown = runner.invoke(cli, ["monitor", "drift", "no-such-app", "--reference", "-2d..now"])
    assert isinstance(unknown.exception, InvalidRequest) and "no app 'no-such-app'" in str(unknown.exception)


def test_scheduled_drift_runs_are_stored_and_feed_a_drift_alert(tmp_path) -> None:
    import time as clock

    from steward.config.monitor import MonitorSpec
    from steward.monitor.alerts import AlertEvaluator
    from steward.monitor.notify import Notifier
    from steward.monitor.schedule import DriftScheduler

    now = clock.time()
    spec = MonitorSpec.model_validate(
        {
            "drift": {"every": "1h", "reference": "-3h..-2h", "current": "-1h..now"},
            "alerts": {
                "drifted": {"app": "airport-assistant", "metric": "drift", "condition": "> 0", "window": "2h"}
            },
        }
    )
    assert spec.drift is not None
    rng = random.Random(9)
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}") as store:
        _traffic(store, now - 3 * 3600 + 60, 120, ["baggage", "flights", "parking"], rng)
        _traffic(store, now - 3600 + 60, 120, ["visa", "visa", "customs"], rng)
        scheduler = DriftScheduler(store, spec.drift, ["airport-assistant", "empty-app"], HashEmbedder)
        (run_id,) = scheduler.run_due(now)  # empty-app: too few records, skipped and not stored
        assert scheduler.run_due(now + 60) == []  # not due again for an hour
        (run,) = store.monitoring.drift_runs("airport-assistant")
        assert run["id"] == run_id and run["drifted"] is True
        assert any(s["name"] == "input.embedding.mmd_neighbours" for s in run["report"]["signals"])
        (alert,) = AlertEvaluator(store, spec, ["airport-assistant"], Notifier(spec.channels)).evaluate(now + 60)
        assert alert.rule == "drifted" and alert.state == "firing" and alert.value == 1.0


def test_a_report_of_small_windows_is_plain_json() -> None:
    """PSI's threshold on small windows is a numpy float; the report must still serialise (orjson and json)."""
    import orjson

    rng = np.random.default_rng(7)
    topics = _topics()
    report = detect_drift(
        "a", _sample("r", _window(rng, topics, 40, 0)), _sample("c", _window(rng, topics, 40, 0))
    )
    assert json.loads(orjson.dumps(report.as_dict()))["drifted"] in (True, False)
    assert all(type(s["drifted"]) is bool for s in report.as_dict()["signals"])


def test_the_alpha_shares_sum_to_alpha_and_a_sides_family_weighs_what_its_members_did() -> None:
    names = ["input.embedding", "output.embedding", "verdicts.input.pii", "declines", "quality"]
    shares = alpha_shares(names, 0.01)
    assert sum(shares.values()) == pytest.approx(0.01)
    assert shares["input.embedding"] == pytest.approx((EMBEDDING_WEIGHT + 3) * shares["declines"])
    assert shares["output.embedding"] == pytest.approx((EMBEDDING_WEIGHT + 2) * shares["declines"])
    separate = alpha_shares(["input.embedding.mmd_neighbours", "input.length"], 0.01)
    assert separate["input.embedding.mmd_neighbours"] == pytest.approx(EMBEDDING_WEIGHT * separate["input.length"])
    topics = _topics()
    rng = np.random.default_rng(2)
    report = detect_drift(
        "a", _sample("r", _window(rng, topics, 200, 0)), _sample("c", _window(rng, topics, 200, 0))
    )
    embedding = next(s for s in report.signals if s.name == "input.embedding.mmd_neighbours")
    assert embedding.threshold == pytest.approx(-np.log10(report.alpha))  # inputs only: the family is all of it
    assert all(s.detail["family"].startswith("input") for s in report.signals)


def test_the_combined_embedding_test_is_exact_without_a_shift() -> None:
    """MMD and the counts as one max-type permutation test: over 300 pairs of windows of one mix, the share called
    drifted at alpha 0.05 lies within the binomial bounds of at most 5 % (P < 0.001 each side for an exact test),
    neither above (the max over its statistics would inflate a test that is not exact) nor near 0 (a test that
    never fires would pass the first bound and measure nothing)."""
    from scipy import stats

    topics = _topics(11)
    rng = np.random.default_rng(12)
    alpha, pairs = 0.05, 300
    called = sum(
        drift_tests.embedding_permutation(
            "e", _window(rng, topics, 60, 0), _window(rng, topics, 60, 0), alpha=alpha, seed=seed
        ).drifted
        for seed in range(pairs)
    )
    low, high = stats.binom.ppf(0.001, pairs, alpha), stats.binom.isf(0.001, pairs, alpha)
    assert low <= called <= high, (called, low, high)


def test_the_combined_embedding_test_finds_a_new_topic_in_a_third_and_says_which_statistic() -> None:
    topics = _topics()
    rng = np.random.default_rng(14)
    signal = drift_tests.embedding_permutation(
        "e", _window(rng, topics, 400, 0), _window(rng, topics, 400, 0.3), alpha=0.005, seed=1
    )
    assert signal.drifted and signal.p_value is not None and signal.p_value < 0.005
    assert signal.detail["largest"] in ("mmd", "neighbours", "cluster") and signal.detail["permutations"] >= 200
    if signal.detail["largest"] == "neighbours":
        assert signal.detail["k"] in (5, 10, 20, 30, 40, 50) and signal.detail["share"] in (0.6, 0.7, 0.8, 0.9)
    calm = drift_tests.embedding_permutation(
        "e", _window(rng, topics, 400, 0), _window(rng, topics, 400, 0), alpha=0.005, seed=1
    )
    assert not calm.drifted and calm.statistic <= calm.threshold


def _questions(rng: np.random.Generator, n: int, shift: float) -> list[str]:
    """Exam questions in one format whose subject words come from vocabularies 0-4, `shift` of them from 5."""
    vocabularies = [[f"term{v}x{w}" for w in range(12)] for v in range(6)]
    which = rng.integers(0, 5, size=n)
    which[: int(n * shift)] = 5
    return [
        "Which of the following is true of " + " and ".join(rng.choice(vocabularies[v], size=3)) + "? A. yes B. no"
        for v in which
    ]


def test_neighbours_on_embeddings_and_words_keep_the_combined_test_exact_without_a_shift() -> None:
    """With the texts' TF-IDF beside the embeddings, over 300 pairs of windows of one mix (embeddings and words),
    the share called drifted at alpha 0.05 still lies within the binomial bounds of an exact test."""
    from scipy import stats

    topics = _topics(21)
    rng = np.random.default_rng(22)
    alpha, pairs, called = 0.05, 300, 0
    for seed in range(pairs):
        signal = drift_tests.embedding_permutation(
            "e",
            _window(rng, topics, 60, 0),
            _window(rng, topics, 60, 0),
            alpha=alpha,
            seed=seed,
            texts=(_questions(rng, 60, 0), _questions(rng, 60, 0)),
        )
        assert signal.detail["lexical_weight"] == drift_tests.LEXICAL_WEIGHT
        called += signal.drifted
    low, high = stats.binom.ppf(0.001, pairs, alpha), stats.binom.isf(0.001, pairs, alpha)
    assert low <= called <= high, (called, low, high)


def test_a_new_subject_in_the_same_format_that_embeddings_miss_is_found_by_its_words() -> None:
    """A fifth of the current window asks about a subject of its own in the reference's format, and the sentence
    embeddings see only the format (one direction and noise, in all-MiniLM-L6-v2's 384 dimensions): without the
    texts the test finds nothing, with them the new subject's requests are each other's neighbours.
    `detect_drift` passes each window's texts."""
    rng = np.random.default_rng(32)
    ref_vectors, cur_vectors = (np.ones(384) + rng.normal(scale=0.1, size=(300, 384)) for _ in range(2))
    ref_texts, cur_texts = _questions(rng, 300, 0), _questions(rng, 300, 0.2)
    blind = drift_tests.embedding_permutation("e", ref_vectors, cur_vectors, alpha=0.005, seed=3)
    assert not blind.drifted and "lexical_weight" not in blind.detail
    seeing = drift_tests.embedding_permutation(
        "e", ref_vectors, cur_vectors, alpha=0.005, seed=3, texts=(ref_texts, cur_texts)
    )
    assert seeing.drifted and seeing.detail["largest"] in ("neighbours", "cluster")
    report = detect_drift("a", _sample("r", ref_vectors, ref_texts), _sample("c", cur_vectors, cur_texts))
    embedding = next(s for s in report.signals if s.name == "input.embedding.mmd_neighbours")
    assert embedding.drifted and "TF-IDF" in embedding.test
    assert embedding.as_dict()["detail"]["lexical_weight"] == drift_tests.LEXICAL_WEIGHT


def _family_pair(rng: np.random.Generator, topics: np.ndarray, n: int) -> tuple[WindowSample, WindowSample]:
    texts = [_questions(rng, n, 0) for _ in range(2)]
    return (
        _sample("r", _window(rng, topics, n, 0), texts[0]),
        _sample("c", _window(rng, topics, n, 0), texts[1]),
    )


def test_a_sides_permutation_family_is_exact_without_a_shift() -> None:
    """The embedding tests, the cross-fitted classifier and the length and language PSIs as one max-T test: over
    300 pairs of windows of one mix the share called drifted at alpha 0.05 lies within the binomial bounds of an
    exact test at 5 % (P < 0.001 each side), neither inflated by the max over more statistics nor dead."""
    from scipy import stats

    from steward.monitor import drift_family

    topics = _topics(41)
    rng = np.random.default_rng(42)
    alpha, pairs, called = 0.05, 300, 0
    features = [
        drift_family.Feature("input.length", lambda texts: [float(len(t)) for t in texts], True),
        drift_family.Feature("input.language", lambda texts: [t.split()[-1] for t in texts], False, 80),
    ]
    for seed in range(pairs):
        reference, current = _family_pair(rng, topics, 60)
        signals = drift_family.side_family(
            "input",
            reference.input_embeddings,  # type: ignore[arg-type]
            current.input_embeddings,  # type: ignore[arg-type]
            alpha=alpha,
            seed=seed,
            texts=(reference.inputs, current.inputs),
            features=features,
        )
        assert [s.name for s in signals] == [
            "input.embedding.mmd_neighbours",
            "input.embedding.domain_auc",
            "input.length",
            "input.language",
        ]
        called += any(s.drifted for s in signals)
    low, high = stats.binom.ppf(0.001, pairs, alpha), stats.binom.isf(0.001, pairs, alpha)
    assert low <= called <= high, (called, low, high)


def test_a_length_shift_and_a_shift_of_all_traffic_are_found_inside_the_family() -> None:
    """Folded into the permutation family, the length PSI still finds longer requests, and the cross-fitted
    classifier a shift of every request along one direction; the signals name the family they were decided in."""
    rng = np.random.default_rng(51)
    ref_vectors, cur_vectors = rng.normal(size=(300, 16)), rng.normal(size=(300, 16))
    short = [" ".join(["word"] * int(k)) for k in rng.integers(4, 12, 300)]
    long = [" ".join(["word"] * int(k)) for k in rng.integers(20, 40, 300)]
    report = detect_drift("a", _sample("r", ref_vectors, short), _sample("c", cur_vectors, long), seed=1)
    length = next(s for s in report.signals if s.name == "input.length")
    assert length.drifted and "max-T" in length.test and length.statistic > length.threshold >= 0.2
    moved = cur_vectors + 0.7 * np.eye(16)[0]  # the family also holds the tree scan: a clear shift
    report = detect_drift("a", _sample("r", ref_vectors, short), _sample("c", moved, short[::-1]), seed=1)
    auc = next(s for s in report.signals if s.name == "input.embedding.domain_auc")
    assert auc.drifted and auc.statistic > 0.55 and "cross-fitted" in auc.test
    assert not next(s for s in report.signals if s.name == "input.length").drifted


def test_without_a_text_per_embedding_length_and_language_stay_tests_of_their_own() -> None:
    topics = _topics()
    rng = np.random.default_rng(61)
    texts = [f"question number {i} about the topic" for i in range(250)]  # more texts than embedded rows
    reference = WindowSample("r", inputs=texts, input_embeddings=_window(rng, topics, 200, 0), records=250)
    current = WindowSample("c", inputs=texts, input_embeddings=_window(rng, topics, 200, 0), records=250)
    report = detect_drift("a", reference, current)
    by_name = {s.name: s for s in report.signals}
    assert by_name["input.length"].test == "PSI" and by_name["input.language"].test == "PSI"
    assert "family" not in by_name["input.length"].detail
    assert "family" in by_name["input.embedding.mmd_neighbours"].detail


def test_psi_of_counts_is_the_psi_of_the_test_for_each_labelling() -> None:
    reference, current = np.array([30.0, 50.0, 20.0]), np.array([10.0, 40.0, 50.0])
    one = drift_tests.psi("x", ["a"] * 30 + ["b"] * 50 + ["c"] * 20, ["a"] * 10 + ["b"] * 40 + ["c"] * 50,
                          alpha=0.01, numeric=False)  # fmt: skip
    both = drift_tests.psi_of_counts(np.stack([reference, current], 1), np.stack([current, reference], 1))
    assert both[0] == pytest.approx(one.statistic) and both[1] == pytest.approx(one.statistic)  # PSI is symmetric


def test_the_classifier_sees_a_label_blind_thousand_of_larger_windows() -> None:
    from steward.monitor import drift_family

    rng = np.random.default_rng(71)
    signals = drift_family.side_family(
        "output", rng.normal(size=(700, 8)), rng.normal(size=(700, 8)), alpha=0.01, seed=2
    )
    auc = next(s for s in signals if s.name == "output.embedding.domain_auc")
    assert auc.detail["classified_rows"] == drift_family.CLASSIFIER_ROWS
    assert auc.detail["reference_rows"] == 700 and not auc.drifted


def test_the_tree_holds_every_merge_and_its_scan_counts_only_current_heavy_nodes() -> None:
    """Ward's tree of the pooled rows: one node per merge, each node's size the rows it holds, the last all rows;
    the log-likelihood ratio is Kulldorff's where a node holds more current rows than the pooled share, else 0."""
    rng = np.random.default_rng(81)
    members, sizes = drift_tests._tree(rng.normal(size=(40, 6)))
    assert members.shape == (39, 40)
    assert np.array_equal(np.asarray(members.sum(axis=1)).ravel(), sizes) and sizes[-1] == 40
    assert set(np.unique(members.toarray())) <= {0.0, 1.0}
    ratio = drift_tests._excess_llr(np.array([[8.0], [5.0], [2.0]]), np.array([[10.0], [10.0], [10.0]]), 0.5)
    expected = 8 * np.log(8 / 5) + 2 * np.log(2 / 5)
    assert ratio[0, 0] == pytest.approx(expected) and ratio[1, 0] == 0.0 and ratio[2, 0] == 0.0


def test_a_tight_new_topic_is_found_and_the_detail_names_the_statistic_that_decided() -> None:
    """A tenth of the current window from a topic of its own: the side's family calls it drifted, and the detail
    names the deciding statistic (MMD, a neighbour count with its k and share, or a cluster of the tree with the
    band of node sizes); each column of the statistics has a name."""
    topics = _topics(91)
    rng = np.random.default_rng(92)
    reference, current = _window(rng, topics, 400, 0), _window(rng, topics, 400, 0)
    current[:40] = topics[5] + rng.normal(scale=0.05, size=(40, DIM))
    signal = drift_tests.embedding_permutation("e", reference, current, alpha=0.005, seed=4)
    assert signal.drifted and signal.detail["largest"] in ("mmd", "neighbours", "cluster")
    columns = drift_tests.embedding_columns(reference, current, np.random.default_rng(0))
    observed = columns.statistics(columns.labels[None, :])[0]
    assert len(observed) == columns.width
    last = columns.largest(columns.width - 1, observed)
    assert last["largest"] == "cluster" and last["cluster_sizes"] == [100, 399]
    assert columns.largest(1, observed)["k"] == columns.scales[0]
