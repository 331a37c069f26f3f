"""The GitHub Actions workflows: actionlint finds nothing, and they do what docs/ci.md says.

They cannot run here (no GitHub, no AWS), so they are checked statically: actionlint (with
ShellCheck for the `run:` scripts) on every file, then the promises that matter: no stored AWS
keys, OIDC roles per GitHub environment (deploy roles only in deploy environments, never for pull
requests), every stack file previewed and deployed through tools/stack_matrix.py's matrix with no
stack listed here or in the workflows, forks never handed secrets. The `run:` scripts that decide
something (the matrix, the role) are run here too, with bash.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from offline.stack_files import stack_names
from tools.stack_matrix import MAX_STACK_NAME, ci_stacks, matrix

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
#: The matrix of the preview and deploy jobs: tools/stack_matrix.py's, through the `stacks` job.
MATRIX_FROM_THE_STACKS_JOB = "${{ fromJSON(needs.stacks.outputs.matrix) }}"
#: The only variables the workflows read, however many stacks and environments there are.
VARIABLES = {"PULUMI_ORG", "AWS_ROLE_ARN", "AWS_PREVIEW_ROLE_ARNS"}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def triggers(workflow: dict[Any, Any]) -> Optional[dict[str, Any]]:
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
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ vars.AWS_ROLE_ARNN }}"\n'
    )
    done = subprocess.run(
        [tool("actionlint"), "-no-color", "-oneline"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert 'undefined configuration variable "aws_role_arnn"' in done.stdout


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
    assert list(jobs) == ["test", "stacks", "offline-report", "preview"]
    assert "needs" not in jobs["stacks"]  # beside the tests
    assert jobs["offline-report"]["needs"] == "test"
    assert jobs["preview"]["needs"] == ["test", "stacks", "offline-report"]


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
    assert "vars." not in PR_WORKFLOW.read_text().split("\n  preview:")[0]

    comment = comment_step(job)
    assert comment["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert comment["env"]["NUMBER"] == env_var("github.event.pull_request.number")
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
    assert job["permissions"] == {"actions": "read", "contents": "read", "pull-requests": "write"}
    # Nothing of the fork is checked out or run: only the default branch's comment script, first.
    (checkout,) = steps_using(job, "actions/checkout")
    assert job["steps"][0] is checkout
    assert checkout["with"] == {
        "ref": env_var("github.event.repository.default_branch"),
        "sparse-checkout": ".github/scripts",
        "persist-credentials": False,
    }
    assert steps_using(job, "actions/download-artifact")[0]["with"]["run-id"] == env_var("github.event.workflow_run.id")
    check = next(step for step in job["steps"] if step.get("id") == "pr")
    assert check["env"]["HEAD_SHA"] == env_var("github.event.workflow_run.head_sha")
    comment = comment_step(job)
    assert comment["if"] == "steps.pr.outputs.number != ''"
    assert comment["env"]["NUMBER"] == env_var("steps.pr.outputs.number")


def comment_step(job: dict[str, Any]) -> dict[str, Any]:
    [step] = [step for step in job["steps"] if step.get("name") == "Post or update the pull-request comment"]
    return step


MARKER = "<!-- windows-server-backup:offline-report -->"
COMMENT_SCRIPT = PROJECT_DIR / ".github" / "scripts" / "post-pr-comment.sh"


def test_both_workflows_post_the_comment_with_the_one_script():
    own = comment_step(load(PR_WORKFLOW)["jobs"]["offline-report"])
    forks = comment_step(load(COMMENT_WORKFLOW)["jobs"]["comment"])
    # The pull request's checkout is in head/; the fork workflow's (the default branch's) at the top.
    assert own["run"] == "bash head/.github/scripts/post-pr-comment.sh comment.md"
    assert forks["run"] == "bash .github/scripts/post-pr-comment.sh comment.md"
    for step in (own, forks):
        assert step["env"]["GH_TOKEN"] == env_var("github.token")
        assert step["env"]["REPOSITORY"] == env_var("github.repository")


def test_the_comment_script_is_shellcheck_clean():
    done = subprocess.run(
        [tool("shellcheck"), str(COMMENT_SCRIPT)], cwd=PROJECT_DIR, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert MARKER in COMMENT_SCRIPT.read_text()


FAKE_GH = """#!/usr/bin/env bash
# Stands in for the GitHub CLI: answers the comment listing, records every call and body.
echo "$*" >> "$GH_LOG"
if [ "$2" = "--paginate" ]; then
  cat "$GH_COMMENTS"
fi
for arg in "$@"; do
  if [ "$previous" = "--input" ]; then cp "$arg" "$GH_BODY"; fi
  previous="$arg"
done
"""


def post_comment(tmp_path: Path, existing: list[dict[str, Any]]) -> tuple[list[str], str]:
    """Run the comment step's script against a fake `gh`: the calls it makes and the body it sends."""
    if shutil.which("jq") is None:
        pytest.skip("jq (on GitHub's runners) is not installed here")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    # Two pages, as `gh api --paginate` prints them.
    (tmp_path / "comments.json").write_text(json.dumps(existing[:1]) + json.dumps(existing[1:]))
    (tmp_path / "comment.md").write_text("# Backup review\n\nNo changes (`dev`).\n")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]),
        "GH_LOG": str(tmp_path / "calls.log"),
        "GH_COMMENTS": str(tmp_path / "comments.json"),
        "GH_BODY": str(tmp_path / "body.json"),
        "REPOSITORY": "org/repo",
        "NUMBER": "17",
    }
    subprocess.run(["bash", str(COMMENT_SCRIPT), "comment.md"], cwd=tmp_path, env=env, check=True)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    return calls, json.loads((tmp_path / "body.json").read_text())["body"]


def test_the_comment_is_updated_in_place_when_the_bot_posted_it_before(tmp_path: Path):
    calls, body = post_comment(
        tmp_path,
        [
            {"id": 7, "user": {"login": "someone"}, "body": f"{MARKER} quoting the bot"},
            {"id": 42, "user": {"login": "github-actions[bot]"}, "body": f"{MARKER}\nthe last review"},
        ],
    )
    assert calls == [
        "api --paginate repos/org/repo/issues/17/comments",
        "api --method PATCH repos/org/repo/issues/comments/42 --input comment.json",
    ]
    assert body == f"{MARKER}\n# Backup review\n\nNo changes (`dev`).\n"


def test_with_several_earlier_comments_the_first_is_updated(tmp_path: Path):
    earlier = [{"id": n, "user": {"login": "github-actions[bot]"}, "body": f"{MARKER}\nreview {n}"} for n in (5, 6, 8)]
    calls, _ = post_comment(tmp_path, earlier)
    assert calls == [
        "api --paginate repos/org/repo/issues/17/comments",
        "api --method PATCH repos/org/repo/issues/comments/5 --input comment.json",
    ]


def test_the_sticky_comment_actions_old_comment_is_taken_over(tmp_path: Path):
    old = {
        "id": 9,
        "user": {"login": "github-actions[bot]"},
        "body": "old\n<!-- Sticky Pull Request Commentoffline-report -->",
    }
    calls, _ = post_comment(tmp_path, [old])
    assert calls[-1] == "api --method PATCH repos/org/repo/issues/comments/9 --input comment.json"


def test_a_first_comment_is_posted_when_there_is_none(tmp_path: Path):
    calls, body = post_comment(
        tmp_path, [{"id": 3, "user": {"login": "github-actions[bot]"}, "body": "another bot note"}]
    )
    assert calls[-1] == "api --method POST repos/org/repo/issues/17/comments --input comment.json"
    assert body.startswith(MARKER + "\n")


def job(path: Path, name: str) -> dict[str, Any]:
    return load(path)["jobs"][name]


def step(job: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(step for step in job["steps"] if step.get("id") == step_id)


def run_script(script: str, cwd: Path, env: dict[str, str], tmp_path: Path) -> tuple[int, str, str]:
    """A `run:` script as GitHub runs it on Linux (`bash --noprofile --norc -eo pipefail {0}`).

    Returns the exit status, the standard output and what the script wrote to $GITHUB_OUTPUT.
    """
    output = tmp_path / "github-output"
    output.write_text("")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), **env, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, output.read_text()


DEPLOYING_JOBS = [(PR_WORKFLOW, "preview"), (DEPLOY_WORKFLOW, "up")]


@pytest.mark.parametrize("workflow", [PR_WORKFLOW, DEPLOY_WORKFLOW], ids=lambda path: path.name)
def test_the_stacks_job_hands_on_the_matrix_of_tools_stack_matrix(workflow: Path, tmp_path: Path):
    stacks = job(workflow, "stacks")
    assert stacks["outputs"] == {"matrix": env_var("steps.stacks.outputs.matrix")}
    # It reads files only: the workflow's `contents: read`, no environment, no secret, no AWS role.
    assert not {"permissions", "environment", "needs"} & set(stacks)
    assert "secrets." not in yaml.safe_dump(stacks) and not steps_using(stacks, "aws-actions/configure-aws-credentials")
    assert [step["with"] for step in steps_using(stacks, "actions/setup-python")] == [{"python-version": "3.11"}]
    # Run its script on this repository: the matrix is the tool's, one job per stack file, in one line.
    script = step(stacks, "stacks")["run"].replace(".venv/bin/python", shlex.quote(sys.executable))
    status, stdout, output = run_script(script, PROJECT_DIR, {}, tmp_path)
    assert status == 0, stdout
    assert stdout.startswith("Deploy order (one stack at a time; a failure stops the rest):\n")
    assert output.startswith("matrix=") and output.count("\n") == 1
    handed_on = json.loads(output.removeprefix("matrix="))
    assert handed_on == matrix(ci_stacks(PROJECT_DIR))
    assert sorted(entry["stack"] for entry in handed_on["include"]) == stack_names(PROJECT_DIR)


def test_pull_requests_and_deployments_find_the_stacks_the_same_way():
    assert job(PR_WORKFLOW, "stacks") == job(DEPLOY_WORKFLOW, "stacks")


def test_the_stacks_job_fails_and_writes_no_matrix_when_the_tool_fails(tmp_path: Path):
    # `echo "matrix=$(...)"` would hide the tool's exit status; the script must not.
    fake = tmp_path / "repo" / "tools"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "stack_matrix.py").write_text("import sys\nsys.exit('error: broken stack file')\n")
    for workflow in (PR_WORKFLOW, DEPLOY_WORKFLOW):
        script = step(job(workflow, "stacks"), "stacks")["run"].replace(".venv/bin/python", shlex.quote(sys.executable))
        status, _, output = run_script(script, fake.parent, {}, tmp_path)
        assert (status, output) == (1, ""), workflow.name


@pytest.mark.parametrize(("workflow", "name"), DEPLOYING_JOBS, ids=["preview", "up"])
def test_preview_and_deploy_run_one_job_per_entry_of_that_matrix(workflow: Path, name: str):
    deploying = job(workflow, name)
    assert "stacks" in deploying["needs"]
    assert deploying["strategy"]["matrix"] == MATRIX_FROM_THE_STACKS_JOB
    assert deploying["name"] == f"{name} ({env_var('matrix.stack')})"
    pulumi = steps_using(deploying, "pulumi/actions")
    assert len(pulumi) == 1
    assert pulumi[0]["with"]["stack-name"] == env_var(
        "vars.PULUMI_ORG && format('{0}/{1}', vars.PULUMI_ORG, matrix.stack) || matrix.stack"
    )
    (credentials,) = steps_using(deploying, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == env_var("steps.role.outputs.arn")
    # STS takes session names of up to 64 characters; the tool keeps stack names short enough.
    session = credentials["with"]["role-session-name"]
    prefix = f"{'preview' if name == 'preview' else 'deploy'}-"
    assert session == prefix + env_var("matrix.stack") + "-" + env_var("github.run_id")
    assert len(prefix) + MAX_STACK_NAME + len("-") + 15 <= 64


def test_no_workflow_lists_a_stack():
    for workflow in WORKFLOWS:
        text = workflow.read_text()
        assert "stack:" not in text and "include:" not in text, workflow.name


def test_preview_uses_oidc_and_pulumi_preview_and_skips_forks():
    preview = job(PR_WORKFLOW, "preview")
    assert "github.event.pull_request.head.repo.full_name == github.repository" in preview["if"]
    assert "needs.test.result == 'success'" in preview["if"]
    assert "needs.stacks.result == 'success'" in preview["if"]
    assert preview["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert "environment" not in preview  # its OIDC subject is repo:<org>/<repo>:pull_request
    assert step(preview, "role")["env"] == {
        "ROLE": env_var("vars.AWS_PREVIEW_ROLE_ARNS && fromJSON(vars.AWS_PREVIEW_ROLE_ARNS)[matrix.environment] || ''"),
        "ENVIRONMENT": env_var("matrix.environment"),
    }
    (pulumi,) = steps_using(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["env"] == {"PULUMI_ACCESS_TOKEN": env_var("secrets.PULUMI_ACCESS_TOKEN")}


def test_pull_requests_never_run_in_an_environment_nor_read_a_deploy_role():
    for workflow in (PR_WORKFLOW, COMMENT_WORKFLOW):
        for name, pr_job in load(workflow)["jobs"].items():
            assert "environment" not in pr_job, f"{workflow.name}: {name}"
        assert not re.search(r"vars\.AWS_ROLE_ARN\b", workflow.read_text()), workflow.name


def test_deploy_runs_pulumi_up_one_stack_at_a_time_after_the_tests():
    workflow = load(DEPLOY_WORKFLOW)
    assert triggers(workflow) == {"push": {"branches": ["main"]}}
    assert workflow["concurrency"] == {"group": "deploy", "cancel-in-progress": False}
    assert list(workflow["jobs"]) == ["test", "stacks", "up"]
    up = workflow["jobs"]["up"]
    assert up["needs"] == ["test", "stacks"]
    assert up["environment"] == env_var("matrix.environment")
    assert up["permissions"] == {"contents": "read", "id-token": "write"}
    # In the matrix's order (the tool's deploy order), and a failure stops the rest.
    assert (up["strategy"]["max-parallel"], up["strategy"]["fail-fast"]) == (1, True)
    assert step(up, "role")["env"] == {
        "ROLE": env_var("vars.AWS_ROLE_ARN"),
        "ENVIRONMENT": env_var("matrix.environment"),
    }
    (pulumi,) = steps_using(up, "pulumi/actions")
    assert pulumi["with"]["command"] == "up"
    assert pulumi["env"] == {"PULUMI_ACCESS_TOKEN": env_var("secrets.PULUMI_ACCESS_TOKEN")}


@pytest.mark.parametrize(
    ("workflow", "name", "message"),
    [
        (
            PR_WORKFLOW,
            "preview",
            '::error::The repository variable AWS_PREVIEW_ROLE_ARNS has no preview role for the environment prod: add "prod": "<role ARN>" to it (docs/ci.md).\n',
        ),
        (
            DEPLOY_WORKFLOW,
            "up",
            "::error::Set the variable AWS_ROLE_ARN of the GitHub environment prod to the ARN of its deploy role (docs/ci.md).\n",
        ),
    ],
    ids=["preview", "up"],
)
def test_a_missing_role_stops_the_job_with_the_variable_to_set(workflow: Path, name: str, message: str, tmp_path: Path):
    script = step(job(workflow, name), "role")["run"]
    assert run_script(script, tmp_path, {"ROLE": "", "ENVIRONMENT": "prod"}, tmp_path) == (1, message, "")
    arn = "arn:aws:iam::111111111111:role/backup-ci"
    assert run_script(script, tmp_path, {"ROLE": arn, "ENVIRONMENT": "prod"}, tmp_path) == (0, "", f"arn={arn}\n")


def test_every_variable_is_declared_for_actionlint_and_explained_in_the_docs():
    used = set()
    for workflow in WORKFLOWS:
        used |= set(re.findall(r"vars\.([A-Z0-9_]+)", workflow.read_text()))
    declared = set(load(PROJECT_DIR / ".github" / "actionlint.yaml")["config-variables"])
    assert used == declared == VARIABLES  # fixed: no variable per stack or per environment
    doc = CI_DOC.read_text()
    for name in sorted(declared) + ["PULUMI_ACCESS_TOKEN", "token.actions.githubusercontent.com", "sts.amazonaws.com"]:
        assert name in doc, name
    assert "repo:<org>/<repo>:environment:<environment>" in doc
    assert "repo:<org>/<repo>:pull_request" in doc
    assert ".github/stacks.yaml" in doc and "python -m tools.stack_matrix" in doc
