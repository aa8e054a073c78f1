"""`publish_run`: a finished training run to a verified GGUF, registered with its lineage, card and report.

In order, and nothing registered unless every step succeeded:

1. check the run directory (`run.json` finished, `adapter/` present) and the base GGUF against the sha256 the run
   recorded, and find the base model and dataset versions in the registry;
2. merge the adapter and write `<run_dir>/export/<name>.<QUANT>.gguf` and the unmerged adapter as a llama.cpp
   LoRA GGUF `<run_dir>/export/<name>.lora.gguf` (`steward.tune.export`; each file written aside and renamed);
3. verify both with llama.cpp against the merged PyTorch model (`steward.tune.verify`): below 95 % greedy
   agreement the files are removed and nothing is registered;
4. evaluate base against tuned on the validation rows (`steward.tune.base_vs_tuned`, scored by `steward.evals`)
   and write `report.html`;
5. in one governance transaction: the model version (the spec steward.yaml would declare for it, or the one it
   does declare), the training run version (hyper-parameters, seed, code version, loss curve, verification,
   evaluation, report), the lineage edges base model / base artefact sha256 / dataset version → run → model →
   artefact sha256, and, asked for, a canary through `steward.governance.deployments.deploy` (its rules apply:
   the model must be declared in steward.yaml and fetched). A refusal at any point rolls all of it back.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steward.config import Project
from steward.errors import ArtefactError, InvalidRequest, NotFound
from steward.governance import audit, deployments, lineage, versions
from steward.governance.apply import model_spec
from steward.governance.errors import RuleViolation
from steward.governance.identity import Actor
from steward.models import artefacts
from steward.store import Store, Tx
from steward.tune import base_vs_tuned, export, report, runs, suite_eval, verify

FINISHED = ("trained", "finished")  # `steward tune run` writes running | trained | failed


@dataclass(slots=True)
class Run:
    directory: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data.get("run_id") or self.directory.name)

    @property
    def base_gguf(self) -> Path:
        return Path(self.data["base"]["gguf_path"])

    @property
    def validation_rows(self) -> Path:
        validation = self.data.get("validation") or {}
        found = validation.get("path_of_validation_rows") or validation.get("path")
        return Path(found or (self.data.get("dataset") or {}).get("path") or "")


def load_run(run_dir: Path) -> Run:
    """The run directory's `run.json`, checked: finished, with its adapter, base and validation rows named."""
    run_dir = Path(run_dir)
    meta = run_dir / "run.json"
    if not meta.is_file():
        raise NotFound(
            f"{run_dir} has no run.json: not a training run directory. Runs are under .steward/tune/runs/; "
            "`steward tune run` makes one."
        )
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InvalidRequest(f"{meta} is not JSON ({exc}); the run directory is damaged.") from None
    status = data.get("status")
    if status not in FINISHED:
        raise InvalidRequest(
            f"run {data.get('run_id') or run_dir.name} is {status or 'of unknown status'}, not finished: "
            f"finish it (`steward tune resume {data.get('run_id') or run_dir.name}`) before exporting it."
        )
    forgetting = data.get("forgetting") or {}
    if forgetting.get("blocked"):
        raise RuleViolation(
            f"run {data.get('run_id') or run_dir.name} is blocked from publication by its forgetting check: "
            f"{forgetting.get('message') or 'the previous validation loss regressed beyond the margin'} "
            "Nothing was exported."
        )
    adapter = run_dir / "adapter"
    if not (adapter / "adapter_config.json").is_file():
        raise InvalidRequest(
            f"{adapter} holds no adapter (adapter_config.json is missing); the run did not save its weights. "
            "Resume or rerun it."
        )
    runs.check_adapter(run_dir, data)
    base = data.get("base") or {}
    if not base.get("gguf_path") or not base.get("sha256"):
        raise InvalidRequest(f"{meta} names no base GGUF and its sha256 (base.gguf_path, base.sha256).")
    return Run(run_dir, data)


def check_base(run: Run) -> str:
    """The base GGUF's sha256, re-hashed, equal to the one the run trained on."""
    path, expected = run.base_gguf, run.data["base"]["sha256"]
    try:
        return artefacts.verify(
            path,
            expected,
            use_cache=False,
            fix="the run was trained on another file; fetch the base again (`steward models fetch`) or retrain",
        )
    except ArtefactError as exc:
        raise ArtefactError(f"base model of run {run.id}: {exc.message} Nothing was exported.") from None


def builtin_base(model: str | None, artefact: str | None) -> str | None:
    """The catalogue artefact a run's base is, when it was named as one (not as a model of steward.yaml): such a
    base is hash-pinned by the catalogue, so publishing registers it as a model version when it is not yet."""
    return model if model and model == artefact and model in artefacts.CATALOGUE else None


def builtin_spec(name: str) -> dict[str, Any]:
    """The model spec of a built-in artefact, with the keys `steward registry apply` gives a declared model."""
    art = artefacts.get(name)
    return {
        "backend": "llama_cpp",
        "artefact": name,
        "path": None,
        "sha256": art.sha256,
        "base_url": None,
        "remote_model": None,
        "source": art.provenance,
        "licence": art.licence,
        "base_model": None,
        "adapter": None,
        "replies": None,
    }


def check_publishable(
    db: Store | Tx, actor: Actor, name: str, base_model: str, base_artefact: str | None, team: str | None = None
) -> str:
    """Refuse, before any training or export, what registration would refuse later: a bad registry name, an
    actor who may not change the team's registry, a base that is neither registered nor a built-in artefact.
    Returns the team."""
    team = team or actor.team or "default"
    versions._check("model", name)
    actor.require_change(team, "the registry")
    if builtin_base(base_model, base_artefact) is None:
        try:
            versions.resolve(db, None, versions.Ref("model", base_model), team)
        except NotFound:
            raise NotFound(
                f"base model {base_model!r} is not registered in team {team!r}; declare it in steward.yaml and "
                "run `steward registry apply` (or train with --adapter-only), then run again."
            ) from None
    return team


def _base_version(tx: Tx, run: Run, team: str, actor: Actor | None = None) -> versions.Version:
    """The base's model version; a built-in artefact not registered yet is registered (given the actor)."""
    name = run.data["base"].get("model")
    if not name:
        raise InvalidRequest(f"run {run.id}'s run.json names no base model (base.model).")
    try:
        version = versions.resolve(tx, None, versions.Ref("model", name), team)
    except NotFound:
        builtin = builtin_base(name, run.data["base"].get("artefact"))
        if builtin is None or actor is None:
            raise NotFound(
                f"base model {name!r} of run {run.id} is not registered in team {team!r}; declare it in "
                "steward.yaml and run `steward registry apply`, then export again."
            ) from None
        version, _ = versions.register(tx, actor, team, "model", builtin, builtin_spec(builtin))
    pinned = version.spec.get("sha256")
    if pinned is None and version.spec.get("artefact") in artefacts.CATALOGUE:
        pinned = artefacts.get(version.spec["artefact"]).sha256
    if pinned is not None and pinned != run.data["base"]["sha256"]:
        raise ArtefactError(
            f"base model {version.ref} pins sha256 {pinned}, but run {run.id} was trained on "
            f"{run.data['base']['sha256']}; export against the base it was trained on."
        )
    return version


def _model_spec(
    project: Project, name: str, path: Path, sha256: str, base: versions.Version, run: Run
) -> dict[str, Any]:
    """What identifies the tuned model: what steward.yaml declares for `name`, else what it would declare."""
    if name in project.models:
        declared = model_spec(project, name)
        if declared.get("sha256") != sha256:
            raise RuleViolation(
                f"steward.yaml declares model {name!r} with sha256 {declared.get('sha256')}, not the exported "
                f"file {path} (sha256 {sha256}); point its `path:` at that file (without `sha256:`, or with "
                "this one), or export under another --name."
            )
        return declared
    return {
        "backend": "llama_cpp",
        "artefact": None,
        "path": str(path),
        "sha256": sha256,
        "base_url": None,
        "remote_model": None,
        "source": f"steward tune run {run.id}",
        "licence": base.spec.get("licence"),
        "base_model": base.name,
        "adapter": None,
        "replies": None,
    }


def yaml_stanza(name: str, spec: dict[str, Any]) -> str:
    """The steward.yaml lines that declare the registered model exactly as registered (so `registry apply` and
    `deploy` find this version)."""
    keys = ("backend", "path", "sha256", "source", "licence", "base_model")
    lines = [f"  {name}:"] + [f"    {k}: {json.dumps(spec[k])}" for k in keys if spec.get(k) is not None]
    return "models:\n" + "\n".join(lines)


def _registered(store: Store, project: Project, actor: Actor, team: str, path: Path) -> bool:
    """Whether a model version already pins this very file (its path and bytes), so that a failed re-export of
    the same run does not delete what that version serves."""
    if not path.is_file():
        return False
    sha256, where = artefacts.sha256_file(path), path.resolve()
    for version in versions.list_versions(store, actor, team=team, kind="model"):
        declared = version.spec.get("path")
        if version.spec.get("sha256") != sha256 or not declared:
            continue
        declared_path = Path(declared).expanduser()
        if (declared_path if declared_path.is_absolute() else project.root / declared_path).resolve() == where:
            return True
    return False


def _check_canary(project: Project, name: str, app: str, canary: float | None) -> None:
    """What a canary needs, checked before minutes of export: the app, a share in (0, 100), and the model declared
    in steward.yaml (only a declared model serves)."""
    if app not in project.apps:
        raise NotFound(f"--app {app!r} is not declared in steward.yaml ({', '.join(project.apps) or 'no apps'}).")
    if canary is None or not 0 < canary < 100:
        raise InvalidRequest(f"--canary {canary} must be a share between 0 and 100 (percent), e.g. --canary 10.")
    if name not in project.models:
        raise RuleViolation(
            f"rule: only a model steward.yaml declares can serve, and {name!r} is not declared; export without "
            "--app first (it prints the stanza to declare), add it, then deploy the canary with `steward deploy`. "
            "Nothing was exported."
        )


def _adapter_pinned(store: Store, actor: Actor, team: str, path: Path) -> bool:
    """Whether a registered training run names this very adapter file (its path and bytes) as its export."""
    if not path.is_file():
        return False
    sha256, where = artefacts.sha256_file(path), str(path.resolve())
    for version in versions.list_versions(store, actor, team=team, kind="training_run"):
        adapter = (version.spec.get("export") or {}).get("adapter") or {}
        if adapter.get("path") == where and adapter.get("sha256") == sha256:
            return True
    return False


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def publish_run(
    run_dir: Path,
    store: Store,
    project: Project,
    actor: Actor,
    *,
    quant: str = "Q8_0",
    name: str | None = None,
    team: str | None = None,
    app: str | None = None,
    canary: float | None = None,
    evaluate_base: bool = True,
    threads: int = 1,
    models_dir: Path | None = None,
    suite: Path | None = None,
) -> dict[str, Any]:
    """Export, verify, evaluate and register a finished run (see the module docstring); returns
    `{model_version, artefact, sha256, run, ...}`. `app` with `canary` (a percentage) deploys it as a canary.
    `suite` (an eval suite file naming one app) is run on the base and on the tuned model
    (`steward.tune.suite_eval`); both stored runs are linked to the versions and compared in the run's spec,
    the model card and the report. A tuned model that fails the suite's gates is still registered, and the
    result says so (`suite.passed.tuned`); promotion asks for a passing run as always."""
    if quant not in export.QUANTS:
        raise InvalidRequest(f"--quant {quant!r} is not one of {', '.join(export.QUANTS)}.")
    if (app is None) != (canary is None):
        raise InvalidRequest("a canary needs both the app and its share (--app APP --canary 10).")
    run = load_run(run_dir)
    name = name or str(run.data.get("name") or run.id)
    check_base(run)
    loaded_suite = suite_eval.load(suite) if suite is not None else None
    if loaded_suite is not None and loaded_suite.spec.app not in project.apps:
        raise NotFound(
            f"the suite's app {loaded_suite.spec.app!r} is not declared in steward.yaml "
            f"({', '.join(project.apps) or 'no apps'}); nothing was exported."
        )
    if app is not None:
        _check_canary(project, name, app, canary)
    with store.reading() as tx:  # refuse early, before minutes of work; checked again when registering
        base = run.data["base"]
        team = check_publishable(tx, actor, name, base.get("model") or "", base.get("artefact"), team)
        if builtin_base(base.get("model"), base.get("artefact")) is None:
            _base_version(tx, run, team)
        dataset_ref = (run.data.get("dataset") or {}).get("version")
        if dataset_ref:
            versions.resolve(tx, None, versions.parse_ref(dataset_ref, "dataset"), team)
    runs.check_validation(run.directory, run.data)
    rows = verify.read_rows(run.validation_rows)
    previous_report = report.previous(run.directory)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    merged = export.load_merged(run.base_gguf, run.directory / "adapter")
    timings["merge_s"] = round(time.perf_counter() - started, 2)
    out_dir = run.directory / "export"
    gguf_path = out_dir / f"{name.replace('/', '_')}.{quant}.gguf"
    lora_path = out_dir / f"{name.replace('/', '_')}.lora.gguf"
    mark = time.perf_counter()
    export.write_merged(merged, run.base_gguf, gguf_path, quant)
    export.write_adapter(merged, run.base_gguf, lora_path)
    timings["write_s"] = round(time.perf_counter() - mark, 2)
    try:
        mark = time.perf_counter()
        sequences = verify.token_rows(merged.tokenizer, rows)
        starts = verify.answer_starts(merged.tokenizer, rows, sequences)
        reference = verify.torch_greedy(merged.model, sequences)
        checks = [
            verify.agreement(
                reference, verify.llama_greedy(gguf_path, sequences, threads=threads), gguf_path, starts=starts
            ),
            verify.agreement(
                reference,
                verify.llama_greedy(run.base_gguf, sequences, lora=lora_path, threads=threads),
                run.base_gguf,
                lora_path,
                starts=starts,
            ),
        ]
        timings["verify_s"] = round(time.perf_counter() - mark, 2)
        failed = [c for c in checks if not c.passed]
        if failed:
            said = "; ".join(
                f"{c.lora or c.file}: {c.agreed}/{c.positions} positions ({c.rate:.1%})" for c in failed
            ) + (f"; a verdict needs at least {verify.MIN_POSITIONS} answer positions" if any(
                c.positions < verify.MIN_POSITIONS for c in failed) else "")  # fmt: skip
            raise RuleViolation(
                f"verification failed: llama.cpp's greedy next token agrees with the merged model below "
                f"{verify.THRESHOLD:.0%} ({said}); nothing was registered and the files were removed. "
                + (
                    f"The run is trained: export it at a higher precision without training again, `steward tune "
                    f"export {run.id} --quant {'F16' if quant == 'Q8_0' else 'Q8_0'}`."
                    if quant != "F16"
                    else "Check that the base GGUF is the run's."
                )
            )
        evaluation: dict[str, Any] = {}
        if evaluate_base:
            mark = time.perf_counter()
            evaluation = base_vs_tuned.compare(run.base_gguf, gguf_path, rows, threads)
            timings["evaluate_s"] = round(time.perf_counter() - mark, 2)
        sha256 = artefacts.file_sha256(gguf_path, use_cache=False)
        suite_result: dict[str, Any] | None = None
        if loaded_suite is not None:
            mark = time.perf_counter()
            suite_result = suite_eval.run_both(
                loaded_suite,
                project,
                (str(run.data["base"]["model"]), run.base_gguf, run.data["base"]["sha256"]),
                (name, gguf_path, sha256),
                reports_dir=run.directory / "suite",
                threads=threads,
            ).result
            timings["suite_s"] = round(time.perf_counter() - mark, 2)
        adapter_sha256 = artefacts.file_sha256(lora_path, use_cache=False)
        result: dict[str, Any] = {
            "artefact": str(gguf_path.resolve()),
            "sha256": sha256,
            "quant": quant,
            "size_bytes": gguf_path.stat().st_size,
            "adapter": {
                "path": str(lora_path.resolve()),
                "sha256": adapter_sha256,
                "size_bytes": lora_path.stat().st_size,
            },
            "verification": [c.as_dict() for c in checks],
            "evaluation": evaluation,
            "suite": suite_result,
            "timings": timings,
        }
        report_path = report.write(run.directory, run.data, result)
        result["report"] = str(report_path.resolve())
        registered = _register(store, project, actor, run, team, name, gguf_path, result, app, canary, models_dir)
    except BaseException:
        # what an earlier export of the same run registered stays: its file, its adapter, its report
        if not _registered(store, project, actor, team, gguf_path):
            _remove(gguf_path, gguf_path.with_name(gguf_path.name + ".sha256"))
        if not _adapter_pinned(store, actor, team, lora_path):
            _remove(lora_path, lora_path.with_name(lora_path.name + ".sha256"))
        report.restore(run.directory, previous_report)
        raise
    result.update(registered)
    result["report"] = str(report.write(run.directory, run.data, result).resolve())  # now with the version
    return result


def _register(
    store: Store,
    project: Project,
    actor: Actor,
    run: Run,
    team: str,
    name: str,
    gguf_path: Path,
    result: dict[str, Any],
    app: str | None,
    canary: float | None,
    models_dir: Path | None,
) -> dict[str, Any]:
    data = run.data
    with audit.changing(store) as tx:
        base = _base_version(tx, run, team, actor)
        dataset_ref = (data.get("dataset") or {}).get("version")
        dataset = (
            versions.resolve(tx, None, versions.parse_ref(dataset_ref, "dataset"), team) if dataset_ref else None
        )
        spec = _model_spec(project, name, gguf_path.resolve(), result["sha256"], base, run)
        model, _ = versions.register(tx, actor, team, "model", name, spec)
        run_spec = {
            "run_id": run.id,
            "name": data.get("name"),
            "base": {**data["base"], "version": base.ref},
            "dataset": {**(data.get("dataset") or {}), "version": dataset.ref if dataset else None},
            "hyper": data.get("hyper"),
            "seed": data.get("seed"),
            "code_version": data.get("code_version"),
            "steps": data.get("steps"),
            "adapter_sha256": data.get("adapter_sha256"),
            "from_run": data.get("from_run"),
            "forgetting": data.get("forgetting"),
            "loss": data.get("loss"),
            "validation": {"loss": (data.get("validation") or {}).get("loss")},
            "produces": model.id,
            "export": {k: result[k] for k in ("quant", "sha256", "size_bytes", "adapter")},
            "verification": result["verification"],
            "evaluation": result["evaluation"],
            "suite": result["suite"],
            "report": result["report"],
        }
        trained, _ = versions.register(tx, actor, team, "training_run", name, run_spec)
        edges = [
            (base.node, trained.node, "fine_tuned_from"),
            (lineage.node("artefact", data["base"]["sha256"]), trained.node, "base_weights"),
            (trained.node, model.node, "produced"),
            (model.node, lineage.node("artefact", result["sha256"]), "exported_as"),
            (trained.node, lineage.node("artefact", result["adapter"]["sha256"]), "adapter"),
        ]
        if dataset is not None:
            edges.insert(0, (dataset.node, trained.node, "trained_on"))
        if data.get("from_run"):  # a continued model: the training run it started from (when published)
            for row in tx.registry.list_entries(team=team, kind="training_run", name=None):
                earlier = versions.by_id(tx, row.id)
                if earlier is not None and earlier.spec.get("run_id") == data["from_run"]:
                    edges.append((earlier.node, trained.node, "continued_from"))
        if result.get("suite"):  # the two stored suite runs: the tuned model's and the base's, its baseline
            suite_runs = result["suite"]["runs"]
            edges += [
                (model.node, f"eval_run:{suite_runs['tuned']}", "evaluated_by"),
                (base.node, f"eval_run:{suite_runs['base']}", "evaluated_by"),
                (trained.node, f"eval_run:{suite_runs['base']}", "baseline"),
            ]
        for parent, child, relation in edges:
            lineage.add_edge(tx, actor, parent, child, relation, team)
        out: dict[str, Any] = {"model_version": model.ref, "run": trained.ref, "deployment": None}
        if app is not None:
            if name not in project.models:
                raise RuleViolation(
                    f"rule: only a model steward.yaml declares can serve; add it and export again:\n"
                    f"{yaml_stanza(name, spec)}\nNothing was registered."
                )
            dep = deployments.deploy(
                tx,  # type: ignore[arg-type]  # joins this transaction: the canary commits with the registration
                project,
                app,
                model.ref,
                actor,
                canary=canary,
                note=f"canary of {model.ref} from training run {trained.ref}",
                models_dir=models_dir,
            )
            out["deployment"] = {"id": dep.id, "app": app, "canary": canary}
    out["steward_yaml"] = None if name in project.models else yaml_stanza(name, spec)
    return out
