"""Stack files become the config map the Pulumi engine would hand the program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from offline import MissingStackFileError, StackFileError, read_stack, stack_names


def write(folder: Path, name: str, content: dict) -> None:
    (folder / name).write_text(yaml.safe_dump(content))


def test_project_defaults_then_stack_values(tmp_path):
    write(
        tmp_path,
        "Pulumi.yaml",
        {
            "name": "proj",
            "runtime": "python",
            "config": {
                "greeting": {"type": "string", "default": "hello"},
                "level": {"value": 3},
                "aws:region": {"value": "eu-west-1"},
                "plain": "as-is",
            },
        },
    )
    write(tmp_path, "Pulumi.s.yaml", {"config": {"aws:region": "us-east-1", "level": 4, "proj:flag": True}})
    settings = read_stack(tmp_path, "s")
    assert settings.project == "proj"
    assert settings.config == {
        "proj:greeting": "hello",
        "proj:level": "4",
        "aws:region": "us-east-1",
        "proj:plain": "as-is",
        "proj:flag": "true",
    }
    assert settings.main == tmp_path / "__main__.py"


def test_structured_values_arrive_as_json(tmp_path):
    write(tmp_path, "Pulumi.yaml", {"name": "proj", "runtime": "python"})
    plans = [{"name": "p", "rules": [{"schedule": "cron(0 1 ? * * *)"}]}]
    write(tmp_path, "Pulumi.s.yaml", {"config": {"proj:plans": plans, "aws:allowedAccountIds": ["111111111111"]}})
    config = read_stack(tmp_path, "s").config
    assert json.loads(config["proj:plans"]) == plans
    assert json.loads(config["aws:allowedAccountIds"]) == ["111111111111"]


def test_secure_values_are_placeholders_and_marked_secret(tmp_path):
    write(tmp_path, "Pulumi.yaml", {"name": "proj", "runtime": "python"})
    write(
        tmp_path,
        "Pulumi.s.yaml",
        {"config": {"proj:token": {"secure": "v1:abc"}, "proj:nested": {"a": {"secure": "x"}}}},
    )
    settings = read_stack(tmp_path, "s")
    assert settings.config["proj:token"] == "[secret]"
    assert json.loads(settings.config["proj:nested"]) == {"a": "[secret]"}
    assert settings.secret_keys == ["proj:nested", "proj:token"]


def test_main_folder_from_the_project_file(tmp_path):
    write(tmp_path, "Pulumi.yaml", {"name": "proj", "runtime": "python", "main": "src"})
    write(tmp_path, "Pulumi.s.yaml", {})
    assert read_stack(tmp_path, "s").main == tmp_path / "src" / "__main__.py"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Pulumi.yaml does not exist"),
        ({"Pulumi.yaml": {"runtime": "python"}}, "has no project name"),
        ({"Pulumi.yaml": {"name": "p"}}, "Pulumi.s.yaml does not exist"),
        ({"Pulumi.yaml": {"name": "p"}, "Pulumi.s.yaml": {"config": ["a"]}}, "'config' must be a mapping"),
    ],
)
def test_broken_files(tmp_path, files, message):
    for name, content in files.items():
        write(tmp_path, name, content)
    with pytest.raises(StackFileError, match=message):
        read_stack(tmp_path, "s")


FIX = "Fix the YAML there: indent with spaces, close brackets and quotes, quote values holding ': '"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "Pulumi.yaml",
            "name: [unclosed\n",
            "Pulumi.yaml, line 2, column 1: expected ',' or ']', but got '<stream end>' (not valid YAML; "
            f"while parsing a flow sequence that starts at line 1, column 7). {FIX}",
        ),
        (
            "Pulumi.s.yaml",
            "config:\n  aws:region: us-east-1\n  proj:vault:\n    name: a: b\n",
            f"Pulumi.s.yaml, line 4, column 12: mapping values are not allowed here (not valid YAML). {FIX}",
        ),
        (
            "Pulumi.s.yaml",
            "config:\n  aws:region: us-east-1\n\tproj:x: 1\n",
            f"Pulumi.s.yaml, line 3, column 1: found character '\\t' that cannot start any token (not valid YAML). {FIX}",
        ),
        ("Pulumi.s.yaml", "- config\n", "Pulumi.s.yaml must be a mapping at the top level (keys such as config:)"),
        ("Pulumi.s.yaml", b"config:\n  a: \xff\n", "Pulumi.s.yaml is not UTF-8 text (byte 13 cannot be read)"),
    ],
    ids=["unclosed-bracket", "colon-in-value", "tab", "not-a-mapping", "not-utf8"],
)
def test_a_file_that_is_not_valid_yaml_names_file_line_and_column(tmp_path, name, text, message):
    write(tmp_path, "Pulumi.yaml", {"name": "proj", "runtime": "python"})
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(StackFileError) as raised:
        read_stack(tmp_path, "s")
    assert str(raised.value) == message
    assert not isinstance(raised.value, MissingStackFileError)


@pytest.mark.parametrize("files", [{}, {"Pulumi.yaml": {"name": "p"}}], ids=["no-project", "no-stack"])
def test_a_missing_file_is_its_own_kind_of_error(tmp_path, files):
    for name, content in files.items():
        write(tmp_path, name, content)
    with pytest.raises(MissingStackFileError, match="does not exist"):
        read_stack(tmp_path, "s")


def test_stack_names_are_the_files_names(tmp_path):
    write(tmp_path, "Pulumi.yaml", {"name": "proj", "runtime": "python"})
    for stack in ("prod-eu-west-1", "dev", "a.b"):
        write(tmp_path, f"Pulumi.{stack}.yaml", {"config": {}})
    (tmp_path / "Pulumi.notes.txt").write_text("not a stack")
    assert stack_names(tmp_path) == ["a.b", "dev", "prod-eu-west-1"]
