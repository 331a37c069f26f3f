"""tools/stack_matrix.py: the stacks CI previews and deploys, their environments and order, from the files.

Every test builds its own project folder under ``tmp_path`` (copies of the fixture stacks, or stack
files written here), so nothing depends on the shipped ``Pulumi.*.yaml`` files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT, fixture_project

from tools.stack_matrix import (
    MAX_STACK_NAME,
    CiStack,
    DeployGroup,
    StackMatrixError,
    ci_stacks,
    environment_by_convention,
    main,
    matrix,
)

ARCHIVE_STACK: dict[str, Any] = {
    f"{PROJECT}:archive_vault": {"name": "windows-server-archive", "source_account_ids": ["111111111111"]}
}
SOURCE_STACK: dict[str, Any] = {
    "aws:region": "us-east-1",
    f"{PROJECT}:archive": {"vault_arn": "arn:aws:backup:us-east-1:222222222222:backup-vault:windows-server-archive"},
}
PLAIN_STACK: dict[str, Any] = {"aws:region": "us-east-1", f"{PROJECT}:vault": {"name": "backup-vault-us-east-1"}}


def project(folder: Path, **stacks: dict) -> Path:
    """A project folder with a ``Pulumi.<stack>.yaml`` per keyword (``config`` given as a dict)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump({"name": PROJECT, "runtime": "python"}))
    for stack, config in stacks.items():
        (folder / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return folder


def overrides(folder: Path, text: str) -> None:
    (folder / ".github").mkdir(exist_ok=True)
    (folder / ".github" / "stacks.yaml").write_text(text)


def problems(folder: Path) -> list[str]:
    with pytest.raises(StackMatrixError) as raised:
        ci_stacks(folder)
    return raised.value.problems


def order(folder: Path) -> list[tuple[str, str]]:
    return [(stack.name, stack.environment) for stack in ci_stacks(folder)]


def test_the_fixture_stacks_in_deploy_order_with_their_environments(tmp_path: Path):
    assert ci_stacks(fixture_project(tmp_path)) == [
        CiStack("archive", "archive", DeployGroup.ARCHIVE),
        CiStack("org", "org", DeployGroup.ORGANIZATION),
        CiStack("prod-east", "prod", DeployGroup.SOURCE),
        CiStack("prod-west", "prod", DeployGroup.SOURCE),
        CiStack("seed", "seed", DeployGroup.STANDALONE),
    ]


def test_a_new_region_and_a_new_archive_are_one_file_each(tmp_path: Path):
    folder = fixture_project(tmp_path)
    east = (folder / "Pulumi.prod-east.yaml").read_text()
    (folder / "Pulumi.prod-eu-west-1.yaml").write_text(east.replace("us-east-1", "eu-west-1"))
    (folder / "Pulumi.archive-eu.yaml").write_text((folder / "Pulumi.archive.yaml").read_text())
    assert order(folder) == [
        ("archive", "archive"),
        ("archive-eu", "archive"),
        ("org", "org"),
        ("prod-east", "prod"),
        ("prod-eu-west-1", "prod"),
        ("prod-west", "prod"),
        ("seed", "seed"),
    ]


def test_archive_stacks_deploy_first_then_the_others_by_name_whatever_their_names(tmp_path: Path):
    # By name alone, "a-source" would come first and "z-vault" last.
    folder = project(
        tmp_path, **{"a-source": SOURCE_STACK, "z-vault": ARCHIVE_STACK, "m-dev": PLAIN_STACK, "b-qa": PLAIN_STACK}
    )
    assert [(stack.name, stack.group) for stack in ci_stacks(folder)] == [
        ("z-vault", DeployGroup.ARCHIVE),
        ("a-source", DeployGroup.SOURCE),
        ("b-qa", DeployGroup.STANDALONE),
        ("m-dev", DeployGroup.STANDALONE),
    ]


def test_organization_stacks_deploy_after_the_archive_and_before_the_sources_whatever_their_names(tmp_path: Path):
    organization: dict[str, Any] = {f"{PROJECT}:organization": {"regions": ["us-east-1"]}}
    folder = project(
        tmp_path, **{"a-source": SOURCE_STACK, "b-org": organization, "z-vault": ARCHIVE_STACK, "m-dev": PLAIN_STACK}
    )
    assert [(stack.name, stack.group) for stack in ci_stacks(folder)] == [
        ("z-vault", DeployGroup.ARCHIVE),
        ("b-org", DeployGroup.ORGANIZATION),
        ("a-source", DeployGroup.SOURCE),
        ("m-dev", DeployGroup.STANDALONE),
    ]


def test_the_environment_is_the_name_up_to_the_first_dash():
    assert environment_by_convention("prod-us-east-1") == "prod"
    assert environment_by_convention("staging-eu-west-1") == "staging"
    assert environment_by_convention("dev") == "dev"
    assert environment_by_convention("dev_eu.1") == "dev_eu.1"


def test_keys_without_the_project_prefix_and_a_renamed_project_are_read_as_pulumi_reads_them(tmp_path: Path):
    (tmp_path / "Pulumi.yaml").write_text("name: acme-backup\nruntime: python\n")
    (tmp_path / "Pulumi.vault.yaml").write_text("config:\n  archive_vault:\n    name: acme-archive\n")
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  acme-backup:archive:\n    vault_arn: x\n")
    # Another project's key is not this project's archive vault.
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  windows-server-backup:archive_vault:\n    name: x\n")
    assert [(stack.name, stack.group) for stack in ci_stacks(tmp_path)] == [
        ("vault", DeployGroup.ARCHIVE),
        ("dev", DeployGroup.STANDALONE),
        ("prod", DeployGroup.SOURCE),
    ]


def test_an_empty_archive_key_does_not_make_a_source_stack(tmp_path: Path):
    (tmp_path / "Pulumi.yaml").write_text(f"name: {PROJECT}\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(f"config:\n  {PROJECT}:archive:\n  {PROJECT}:archive_vault: null\n")
    assert ci_stacks(tmp_path) == [CiStack("dev", "dev", DeployGroup.STANDALONE)]


def test_no_stack_file_is_an_error(tmp_path: Path):
    project(tmp_path)
    assert problems(tmp_path) == [
        f"no Pulumi.<stack>.yaml in {tmp_path}: the workflows preview and deploy one job per stack file"
    ]


def test_every_broken_stack_file_is_named_at_once(tmp_path: Path):
    project(tmp_path, dev=PLAIN_STACK)
    (tmp_path / "Pulumi.prod-a.yaml").write_text("config:\n  aws:region: [us-east-1\n")
    (tmp_path / "Pulumi.prod-b.yaml").write_text("- a list, not a mapping\n")
    found = problems(tmp_path)
    assert len(found) == 2
    assert found[0].startswith("Pulumi.prod-a.yaml, line 3, column 1: expected ',' or ']'")
    assert found[1] == "Pulumi.prod-b.yaml must be a mapping at the top level (keys such as config:)"


def test_a_missing_pulumi_yaml_is_named_once(tmp_path: Path):
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.prod.yaml").write_text("config: {}\n")
    assert problems(tmp_path) == [f"{tmp_path / 'Pulumi.yaml'} does not exist"]


def test_the_mapping_file_overrides_one_stack_and_leaves_the_others_to_the_convention(tmp_path: Path):
    folder = project(tmp_path, **{"legacy-backup": SOURCE_STACK, "prod-us-east-1": SOURCE_STACK, "dev": PLAIN_STACK})
    overrides(folder, "stacks:\n  legacy-backup:\n    environment: prod\n")
    assert order(folder) == [("dev", "dev"), ("legacy-backup", "prod"), ("prod-us-east-1", "prod")]


@pytest.mark.parametrize("text", ["", "# nothing to override\n", "stacks: {}\n"])
def test_an_empty_mapping_file_changes_nothing(tmp_path: Path, text: str):
    folder = project(tmp_path, **{"prod-us-east-1": SOURCE_STACK})
    overrides(folder, text)
    assert order(folder) == [("prod-us-east-1", "prod")]


def test_a_mapping_for_a_stack_that_has_no_file_is_an_error(tmp_path: Path):
    folder = project(tmp_path, dev=PLAIN_STACK, **{"prod-us-east-1": SOURCE_STACK})
    overrides(folder, "stacks:\n  prod-us-east1:\n    environment: production\n")
    assert problems(folder) == [
        ".github/stacks.yaml: stacks.prod-us-east1: there is no Pulumi.prod-us-east1.yaml; "
        "remove the entry or correct the name (stacks: dev, prod-us-east-1)"
    ]


def test_every_problem_of_the_mapping_file_is_named_with_its_key(tmp_path: Path):
    folder = project(tmp_path, dev=PLAIN_STACK, prod=SOURCE_STACK)
    overrides(folder, "stacks:\n  dev:\n    environment: ''\n  prod:\n    environment: prod\n    role: x\n")
    assert problems(folder) == [
        ".github/stacks.yaml: stacks.dev.environment: String should have at least 1 character (got '')",
        ".github/stacks.yaml: stacks.prod.role: Extra inputs are not permitted (got 'x')",
    ]


def test_an_environment_name_may_have_255_characters_not_256(tmp_path: Path):
    folder = project(tmp_path, dev=PLAIN_STACK)
    overrides(folder, f"stacks:\n  dev:\n    environment: {'e' * 255}\n")
    assert order(folder) == [("dev", "e" * 255)]
    overrides(folder, f"stacks:\n  dev:\n    environment: {'e' * 256}\n")
    assert problems(folder)[0].startswith(
        ".github/stacks.yaml: stacks.dev.environment: String should have at most 255 characters"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- dev\n", ".github/stacks.yaml: (top level): Input should be a valid dictionary"),
        ("stack:\n  dev: prod\n", ".github/stacks.yaml: stack: Extra inputs are not permitted"),
        ("stacks:\n  dev: prod\n", ".github/stacks.yaml: stacks.dev: Input should be a valid dictionary"),
        ("stacks: [dev\n", ".github/stacks.yaml is not valid YAML: "),
    ],
)
def test_a_mapping_file_of_the_wrong_shape_is_an_error(tmp_path: Path, text: str, expected: str):
    folder = project(tmp_path, dev=PLAIN_STACK)
    overrides(folder, text)
    (problem,) = problems(folder)
    assert problem.startswith(expected)


def test_a_stack_name_may_have_40_characters_not_41(tmp_path: Path):
    longest = "prod-" + "x" * (MAX_STACK_NAME - len("prod-"))
    assert len(longest) == MAX_STACK_NAME == 40
    folder = project(tmp_path, **{longest: PLAIN_STACK})
    assert order(folder) == [(longest, "prod")]
    project(tmp_path, **{longest + "x": PLAIN_STACK})
    assert problems(folder) == [
        f"Pulumi.{longest}x.yaml: the stack name has 41 characters; CI names its AWS role session "
        "preview-<stack>-<run id>, which STS limits to 64 characters, so keep stack names to 40; rename the file"
    ]


def test_a_stack_name_pulumi_would_refuse_is_an_error(tmp_path: Path):
    folder = project(tmp_path, **{"prod us": PLAIN_STACK, "prod+1": PLAIN_STACK})
    assert problems(folder) == [
        f"Pulumi.{stack}.yaml: a stack name takes only letters, digits, '-', '_' and '.' (Pulumi's rule); "
        "rename the file"
        for stack in ("prod us", "prod+1")
    ]


def test_json_is_the_github_matrix_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    folder = fixture_project(tmp_path)
    assert main(["--json", "--project-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one `matrix=<json>` line in $GITHUB_OUTPUT
    assert (
        json.loads(out)
        == matrix(ci_stacks(folder))
        == {
            "include": [
                {"stack": "archive", "environment": "archive"},
                {"stack": "org", "environment": "org"},
                {"stack": "prod-east", "environment": "prod"},
                {"stack": "prod-west", "environment": "prod"},
                {"stack": "seed", "environment": "seed"},
            ]
        }
    )


def test_the_text_says_the_order_the_environments_and_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["--project-dir", str(fixture_project(tmp_path))]) == 0
    assert capsys.readouterr().out == (
        "Deploy order (one stack at a time; a failure stops the rest):\n"
        "  1. archive    environment archive  archive vault: before the stacks that copy to it\n"
        "  2. org        environment org      organization: after the archive, before the per-account stacks\n"
        "  3. prod-east  environment prod     copies to an archive vault\n"
        "  4. prod-west  environment prod     copies to an archive vault\n"
        "  5. seed       environment seed     outside the 3-2-1 chain\n"
    )


def test_problems_go_to_stderr_with_exit_status_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    folder = project(tmp_path, dev=PLAIN_STACK)
    overrides(folder, "stacks:\n  prod:\n    environment: prod\n")
    assert main(["--json", "--project-dir", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: .github/stacks.yaml: stacks.prod: there is no Pulumi.prod.yaml; "
        "remove the entry or correct the name (stacks: dev)\n"
    )
