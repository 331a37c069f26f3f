"""The GitHub Actions workflows: actionlint finds nothing, and they do what docs/ci.md says.

They cannot run here (no GitHub, no AWS), so they are checked statically: actionlint (with
ShellCheck for the `run:` scripts) on every file, then the promises that matter: no stored AWS
keys, OIDC roles per stack, every stack previewed and deployed, forks never handed secrets.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.stack_files import stack_names

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = PROJECT_DIR / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
PR_WORKFLOW = WORKFLOW_DIR / "pull-request.yml"
DEPLOY_WORKFLOW = WORKFLOW_DIR / "deploy.yml"
COMMENT_WORKFLOW = WORKFLOW_DIR / "offline-report-comment.yml"
CI_DOC = PROJECT_DIR / "docs" / "ci.md"
README = PROJECT_DIR / "README.md"

#: The README's test command, run as is by CI.
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt && .venv/bin/python -m pytest -q"
#: Where each stack deploys: production stacks wait for production's reviewers.
ENVIRONMENTS = {"dev": "dev", "prod-us-east-1": "production", "prod-us-west-2": "production", "archive": "archive"}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith(action + "@")]


def env_var(name: str) -> str:
    return "${{ " + name + " }}"


def tool(name: str) -> str:
    """A command-line tool installed by requirements-dev.txt, beside this interpreter or on PATH."""
    found = shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if found is None:
        pytest.fail(f"{name} is not installed: run `.venv/bin/pip install -r requirements-dev.txt`")
    return found


def test_there_are_the_three_workflows():
    assert [path.name for path in WORKFLOWS] == ["deploy.yml", "offline-report-comment.yml", "pull-request.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_actionlint_finds_nothing(workflow: Path):
    actionlint = tool("actionlint")
    # actionlint runs ShellCheck on the `run:` scripts when it finds it on PATH: make sure it does.
    shellcheck_dir = str(Path(tool("shellcheck")).parent)
    env = {**os.environ, "PATH": os.pathsep.join([shellcheck_dir, os.environ.get("PATH", "")])}
    done = subprocess.run(
        [actionlint, "-no-color", "-oneline", str(workflow.relative_to(PROJECT_DIR))],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_actionlint_would_report_a_misspelt_variable(tmp_path: Path):
    # The check above is only worth something if actionlint reads .github/actionlint.yaml.
    (tmp_path / ".git").mkdir()
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(PROJECT_DIR / ".github" / "actionlint.yaml", tmp_path / ".github" / "actionlint.yaml")
    (tmp_path / ".github" / "workflows" / "typo.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ vars.AWS_ROLE_ARN_DEVV }}"\n'
    )
    done = subprocess.run(
        [tool("actionlint"), "-no-color", "-oneline"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert 'undefined configuration variable "aws_role_arn_devv"' in done.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_no_workflow_stores_aws_keys(workflow: Path):
    text = workflow.read_text().lower()
    for forbidden in ("aws_secret_access_key", "aws-secret-access-key", "aws_access_key_id", "aws-access-key-id"):
        assert forbidden not in text


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_major_version_at_least(workflow: Path):
    uses = re.findall(r"uses:\s*(\S+)", workflow.read_text())
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", action), action


def test_pull_requests_and_pushes_to_main_run_the_readme_test_command():
    for path in (PR_WORKFLOW, DEPLOY_WORKFLOW):
        job = load(path)["jobs"]["test"]
        assert [step.get("run") for step in job["steps"] if "run" in step] == [TEST_COMMAND], path.name
        assert steps_using(job, "actions/setup-python")[0]["with"] == {"python-version": "3.11"}


def test_the_readme_gives_the_same_test_command():
    assert TEST_COMMAND in README.read_text()


def test_the_pull_request_jobs_run_in_order():
    workflow = load(PR_WORKFLOW)
    assert triggers(workflow) == {"pull_request": {"branches": ["main"]}}
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    assert list(jobs) == ["test", "offline-report", "preview"]
    assert jobs["offline-report"]["needs"] == "test"
    assert jobs["preview"]["needs"] == ["test", "offline-report"]


def test_the_offline_report_compares_with_the_base_and_needs_no_cloud_credentials():
    job = load(PR_WORKFLOW)["jobs"]["offline-report"]
    checkouts = [step["with"] for step in steps_using(job, "actions/checkout")]
    assert checkouts == [{"path": "head"}, {"ref": env_var("github.event.pull_request.base.sha"), "path": "base"}]
    script = next(step["run"] for step in job["steps"] if step.get("id") == "report")
    assert ".venv/bin/python -m offline compare --base ../base --head . > ../compare.md" in script
    assert ".venv/bin/python -m offline --all --format markdown > ../report.md" in script
    assert '.venv/bin/python -m offline --all --format markdown --max-chars "$budget" > ../report-short.md' in script
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert not steps_using(job, "aws-actions/configure-aws-credentials")
    assert "secrets." not in PR_WORKFLOW.read_text().split("\n  preview:")[0]

    comment = steps_using(job, "marocchino/sticky-pull-request-comment")
    assert [step["with"] for step in comment] == [{"header": "offline-report", "path": "comment.md"}]
    assert comment[0]["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    upload = steps_using(job, "actions/upload-artifact")[0]
    assert upload["if"] == "github.event.pull_request.head.repo.full_name != github.repository"
    assert upload["with"]["name"] == "offline-report"
    # The job fails after the comment is up when the comparison finds a DANGER (exit status 3).
    last = job["steps"][-1]
    assert '"$COMPARE_STATUS" = 3' in last["run"] and "exit 1" in last["run"]


def test_fork_comments_are_posted_from_main_for_the_right_pull_request():
    workflow = load(COMMENT_WORKFLOW)
    assert triggers(workflow) == {"workflow_run": {"workflows": [load(PR_WORKFLOW)["name"]], "types": ["completed"]}}
    job = workflow["jobs"]["comment"]
    assert "head_repository.full_name != github.repository" in job["if"]
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert not steps_using(job, "actions/checkout")  # nothing of the fork is checked out or run
    assert steps_using(job, "actions/download-artifact")[0]["with"]["run-id"] == env_var("github.event.workflow_run.id")
    check = next(step for step in job["steps"] if step.get("id") == "pr")
    assert check["env"]["HEAD_SHA"] == env_var("github.event.workflow_run.head_sha")
    assert steps_using(job, "marocchino/sticky-pull-request-comment")[0]["with"] == {
        "header": "offline-report",
        "number": env_var("steps.pr.outputs.number"),
        "path": "comment.md",
    }


def matrix(path: Path, job: str) -> list[dict[str, str]]:
    return load(path)["jobs"][job]["strategy"]["matrix"]["include"]


def role_variable(prefix: str, stack: str) -> str:
    return prefix + stack.upper().replace("-", "_")


def test_the_preview_matrix_covers_every_stack_file_with_its_read_only_role():
    entries = matrix(PR_WORKFLOW, "preview")
    stacks = [entry["stack"] for entry in entries]
    assert sorted(stacks) == stack_names(PROJECT_DIR) == sorted(ENVIRONMENTS)
    for entry in entries:
        variable = role_variable("AWS_PREVIEW_ROLE_ARN_", entry["stack"])
        assert entry == {"stack": entry["stack"], "role": env_var(f"vars.{variable}"), "role-variable": variable}


def test_the_deploy_matrix_covers_every_stack_file_behind_its_environment():
    entries = matrix(DEPLOY_WORKFLOW, "up")
    assert sorted(entry["stack"] for entry in entries) == stack_names(PROJECT_DIR)
    # dev first, the archive (where copies land) before production.
    assert [entry["stack"] for entry in entries] == ["dev", "archive", "prod-us-west-2", "prod-us-east-1"]
    for entry in entries:
        variable = role_variable("AWS_ROLE_ARN_", entry["stack"])
        assert entry == {
            "stack": entry["stack"],
            "environment": ENVIRONMENTS[entry["stack"]],
            "role": env_var(f"vars.{variable}"),
            "role-variable": variable,
        }


def test_preview_uses_oidc_and_pulumi_preview_and_skips_forks():
    job = load(PR_WORKFLOW)["jobs"]["preview"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    assert "needs.test.result == 'success'" in job["if"]
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert "environment" not in job  # its OIDC subject is repo:<org>/<repo>:pull_request
    credentials = steps_using(job, "aws-actions/configure-aws-credentials")
    assert [step["with"]["role-to-assume"] for step in credentials] == [env_var("matrix.role")]
    pulumi = steps_using(job, "pulumi/actions")
    assert len(pulumi) == 1
    assert pulumi[0]["with"]["command"] == "preview"
    assert pulumi[0]["with"]["comment-on-pr"] is True
    assert pulumi[0]["env"] == {"PULUMI_ACCESS_TOKEN": env_var("secrets.PULUMI_ACCESS_TOKEN")}


def test_deploy_runs_pulumi_up_one_stack_at_a_time_after_the_tests():
    workflow = load(DEPLOY_WORKFLOW)
    assert triggers(workflow) == {"push": {"branches": ["main"]}}
    assert workflow["concurrency"] == {"group": "deploy", "cancel-in-progress": False}
    job = workflow["jobs"]["up"]
    assert job["needs"] == "test"
    assert job["environment"] == env_var("matrix.environment")
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert (job["strategy"]["max-parallel"], job["strategy"]["fail-fast"]) == (1, True)
    credentials = steps_using(job, "aws-actions/configure-aws-credentials")
    assert [step["with"]["role-to-assume"] for step in credentials] == [env_var("matrix.role")]
    pulumi = steps_using(job, "pulumi/actions")
    assert [step["with"]["command"] for step in pulumi] == ["up"]
    assert pulumi[0]["env"] == {"PULUMI_ACCESS_TOKEN": env_var("secrets.PULUMI_ACCESS_TOKEN")}


def test_every_variable_is_declared_for_actionlint_and_explained_in_the_docs():
    used = set()
    for workflow in WORKFLOWS:
        used |= set(re.findall(r"vars\.([A-Z0-9_]+)", workflow.read_text()))
    declared = set(load(PROJECT_DIR / ".github" / "actionlint.yaml")["config-variables"])
    assert used == declared
    assert len(declared) == 9  # two roles per stack, and PULUMI_ORG
    doc = CI_DOC.read_text()
    for name in sorted(declared) + ["PULUMI_ACCESS_TOKEN", "token.actions.githubusercontent.com", "sts.amazonaws.com"]:
        assert name in doc, name
    for environment in set(ENVIRONMENTS.values()):
        assert f"repo:<org>/<repo>:environment:{environment}" in doc or f"`{environment}`" in doc
    assert "repo:<org>/<repo>:pull_request" in doc
