"""The tool registry in steward.yaml: validated with `file:line`, apps listing or inheriting their tools."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from steward.cli import app as cli
from steward.config import load_project_text
from steward.errors import ConfigError

BASE = """
version: 1
models:
  m: {backend: scripted}
tools:
  lookup:
    description: Look a thing up.
    parameters: {type: object, properties: {q: {type: string}}}
    apps: [a, b]
  pay:
    description: Pay an IBAN.
    parameters: {type: object, properties: {iban: {type: string}, amount: {type: number}}}
    risk: irreversible
    teams: [finance]
    approval: {when: above, argument: amount, limit: 100}
    provenance: [iban]
apps:
  a: {owner: o, purpose: p, route: [{model: m}]}
  b: {owner: o, purpose: p, route: [{model: m}], variant_of: a}
  c: {owner: o, purpose: p, team: finance, route: [{model: m}], tools: [pay]}
"""


def test_apps_list_or_inherit_their_tools() -> None:
    project = load_project_text(BASE, "steward.yaml")
    assert project.tools_of("a") == ["lookup"]  # inherited: the tools naming it in `apps:`
    assert project.tools_of("c") == ["pay"]
    assert project.tools["pay"].approval.needed({"amount": 150}) and not project.tools["pay"].approval.needed({})


@pytest.mark.parametrize(
    ("change", "line", "says"),
    [
        (
            ("route: [{model: m}], tools: [pay]", "route: [{model: m}], tools: [wire]"),
            20,
            "'wire' is not declared",
        ),
        (("team: finance, route", "route"), 20, "does not admit app 'c' of team 'default'"),
        (("provenance: [iban]", "provenance: [account]"), 10, "argument 'account' is not among"),
        (("apps: [a, b]", "apps: [a, z]"), 9, "'z' is not an app"),
        (("risk: irreversible", "risk: dangerous"), 13, "risk"),
        (("{type: object, properties: {q: {type: string}}}", "{type: objekt}"), 8, "not a valid JSON schema"),
        (("{type: object, properties: {q: {type: string}}}", "{type: array}"), 8, "must describe an object"),
        (("when: above, argument: amount, limit: 100", "when: above"), 15, "needs `argument:`"),
    ],
)
def test_a_bad_registry_names_file_line_and_what_to_fix(change: tuple[str, str], line: int, says: str) -> None:
    text = BASE.replace(*change)
    assert text != BASE
    with pytest.raises(ConfigError) as info:
        load_project_text(text, "steward.yaml")
    message = str(info.value)
    assert says in message
    assert f"steward.yaml:{line}:" in message


def test_the_tools_cli_lists_and_checks_a_call(tmp_path: Path) -> None:
    (tmp_path / "steward.yaml").write_text(
        BASE.replace("provenance: [iban]", "provenance: [iban]\n    personal_data: [IBAN_CODE]")
    )
    runner = CliRunner()
    listed = runner.invoke(cli, ["--config", str(tmp_path / "steward.yaml"), "tools", "list", "c"])
    assert listed.exit_code == 0, listed.output
    assert "pay" in listed.output and "irreversible" in listed.output and "lookup" not in listed.output
    args = ["--config", str(tmp_path / "steward.yaml"), "tools", "check", "c", "pay"]
    ok = runner.invoke(
        cli, [*args, '{"iban": "GB33BUKB20201555555555", "amount": 500}', "--prompt", "pay GB33BUKB20201555555555"]
    )
    assert ok.exit_code == 0 and "allowed" in ok.output and "approve" in ok.output, ok.output
    refused = runner.invoke(cli, [*args, '{"iban": "XX00EVIL", "amount": "lots"}'])
    assert refused.exit_code == 1 and "tool:invalid_arguments:pay" in refused.output
    unknown = runner.invoke(cli, [*args[:-1], "wire", "{}"])
    assert unknown.exit_code == 1 and "tool:unknown_tool:wire" in unknown.output
