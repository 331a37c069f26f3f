"""Every stack of every scenario under ``examples/`` runs offline and builds the resources its README
promises: exact types, names and key inputs; its requests are ones AWS's API model accepts, and its
policy documents pass parliament. The examples are the project's own files, so this test pins them."""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROJECT_DIR
from contract import invalid_requests, translate
from test_policy_lint import community_auditor_severities, community_findings, findings_above_low, stack_documents

from offline import OfflineRun, run_offline, stack_names

EXAMPLES_DIR = PROJECT_DIR / "examples"
#: Examples that are other programs (they use the components), tested in their own files.
CONSUMERS = {"python-consumer", "yaml-consumer"}
SCENARIOS = sorted(path.name for path in EXAMPLES_DIR.iterdir() if path.is_dir() and path.name not in CONSUMERS)
STACKS = [(scenario, stack) for scenario in SCENARIOS for stack in stack_names(EXAMPLES_DIR / scenario)]
PROD, ARCHIVE, AUDIT = "111111111111", "222222222222", "333333333333"
#: Parliament's community auditors need their severities loaded (a module fixture of the lint test).
__all__ = ["community_auditor_severities"]

VAULT = "aws:backup/vault:Vault"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
POLICY = "aws:backup/vaultPolicy:VaultPolicy"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
REGION_SETTINGS = "aws:backup/regionSettings:RegionSettings"
FRAMEWORK = "aws:backup/framework:Framework"
REPORT_PLAN = "aws:backup/reportPlan:ReportPlan"
RESTORE_TESTING_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
PROVIDER = "pulumi:providers:aws"


@functools.cache
def example(scenario: str, stack: str) -> OfflineRun:
    return run_offline(EXAMPLES_DIR / scenario, stack)


def built(scenario: str, stack: str) -> OfflineRun:
    run = example(scenario, stack)
    assert run.error is None, run.error
    return run


def _statements(run: OfflineRun, name: str) -> list[dict[str, Any]]:
    return json.loads(run.named(POLICY, name).inputs["policy"])["Statement"]


# --- Every example ----------------------------------------------------------------------------------


def test_the_examples_are_the_scenarios_of_the_readme():
    assert SCENARIOS == [
        "air-gapped-archive",
        "audit-only",
        "one-program-archive",
        "organization",
        "restore-testing-with-validation",
        "single-region",
        "three-two-one",
    ]
    readme = (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    for scenario in SCENARIOS:
        assert f"[`{scenario}/`]({scenario}/)" in readme
        assert (EXAMPLES_DIR / scenario / "README.md").is_file()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_example_is_a_project_running_the_repositorys_program(scenario):
    from offline import read_stack

    [stack, *_] = stack_names(EXAMPLES_DIR / scenario)
    settings = read_stack(EXAMPLES_DIR / scenario, stack)
    assert settings.project == "windows-server-backup"
    assert settings.main.resolve() == (PROJECT_DIR / "__main__.py").resolve()
    # Pulumi reads a relative virtualenv from the folder holding Pulumi.yaml (pulumi-language-python,
    # toolchain.PythonOptions: "Virtual environment to use, relative to `Root`"): the repository's.
    runtime = yaml.safe_load((EXAMPLES_DIR / scenario / "Pulumi.yaml").read_text())["runtime"]
    assert runtime == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "../../.venv"}}
    assert (EXAMPLES_DIR / scenario / runtime["options"]["virtualenv"]).resolve() == REPOSITORY_VENV.resolve()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_example_stack_takes_a_name_users_give_their_own_stacks(scenario):
    for stack in stack_names(EXAMPLES_DIR / scenario):
        assert stack.startswith("example-"), stack
        assert not (PROJECT_DIR / f"Pulumi.{stack}.yaml").exists()


# --- The README's commands ---------------------------------------------------------------------------

#: The repository's virtualenv, as the top README creates it (CI creates it there too).
REPOSITORY_VENV = PROJECT_DIR / ".venv"


def _shell_blocks(readme: str, section: str) -> list[str]:
    """The ``sh`` code blocks under the README's ``## <section>`` heading."""
    body = readme.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return [block.split("```", 1)[0] for block in body.split("```sh\n")[1:]]


def _commands(block: str) -> list[list[str]]:
    """Each command of a block as its words: comments dropped, ``&&`` chains split."""
    found: list[list[str]] = []
    for line in block.splitlines():
        command: list[str] = []
        for word in [*shlex.split(line, comments=True), "&&"]:
            if word != "&&":
                command.append(word)
            elif command:
                found.append(command)
                command = []
    return found


def _in_venv(path: Path) -> bool:
    return Path(os.path.normpath(path)).parent.parent == REPOSITORY_VENV


def command_problems(block: str, start: Path = PROJECT_DIR) -> list[str]:
    """Why the block's commands, typed one after the other from ``start``, would not work: a folder or
    file that is not where they are run, a module ``python -m`` would not find, an offline run or
    ``pulumi stack init`` of a stack that has no file there, or a command this check does not know."""
    problems: list[str] = []
    cwd = start
    for words in _commands(block):
        command, *rest = words
        where = f"{' '.join(words)!r} (in {os.path.relpath(cwd, PROJECT_DIR)})"
        if command == "cd":
            cwd = Path(os.path.normpath(cwd / rest[0]))
            if not cwd.is_dir():
                problems.append(f"{where}: no such folder")
        elif command == "source":
            if not _in_venv(cwd / rest[0]):
                problems.append(f"{where}: not the repository's virtualenv")
        elif command == "python3" and rest[:2] == ["-m", "venv"]:
            if Path(os.path.normpath(cwd / rest[2])) != REPOSITORY_VENV:
                problems.append(f"{where}: creates a virtualenv other than the repository's")
        elif command.endswith("/pip"):
            if not _in_venv(cwd / command) or not (cwd / rest[-1]).is_file():
                problems.append(f"{where}: not the repository's pip, or no {rest[-1]} here")
        elif command.endswith("/python") and rest[:2] == ["-m", "offline"]:
            problems += _offline_problems(where, cwd, command, rest[2:])
        elif command == "pulumi":
            problems += _pulumi_problems(where, cwd, rest)
        else:
            problems.append(f"{where}: a command this test does not know")
    return problems


def _offline_problems(where: str, cwd: Path, interpreter: str, args: list[str]) -> list[str]:
    from offline.__main__ import _parser

    if not _in_venv(cwd / interpreter):
        return [f"{where}: not the repository's python"]
    # `python -m` finds modules from the current folder: the offline engine lives at the root.
    if not (cwd / "offline" / "__init__.py").is_file():
        return [f"{where}: No module named offline here"]
    options = _parser().parse_args(args)
    project = cwd / options.project_dir
    if not (project / "Pulumi.yaml").is_file():
        return [f"{where}: no Pulumi.yaml in {options.project_dir}"]
    if options.stack and not (project / f"Pulumi.{options.stack}.yaml").is_file():
        return [f"{where}: no Pulumi.{options.stack}.yaml in {options.project_dir}"]
    return []


def _pulumi_problems(where: str, cwd: Path, args: list[str]) -> list[str]:
    if not (cwd / "Pulumi.yaml").is_file():
        return [f"{where}: no Pulumi.yaml here"]
    if args[:2] == ["stack", "init"] and not (cwd / f"Pulumi.{args[2]}.yaml").is_file():
        return [f"{where}: no Pulumi.{args[2]}.yaml here"]
    if args[:2] != ["stack", "init"] and args not in (["up"], ["preview"]):
        return [f"{where}: a pulumi command this test does not know"]
    return []


def test_the_command_check_finds_what_the_reviewer_found():
    """The forms that did not work: a venv path from the root, and the offline engine run elsewhere."""
    assert command_problems("source ../../.venv/bin/activate && cd examples/audit-only\n") == [
        "'source ../../.venv/bin/activate' (in .): not the repository's virtualenv"
    ]
    assert command_problems(
        "cd examples/audit-only && ../../.venv/bin/python -m offline example-audit --project-dir .\n"
    ) == [
        "'../../.venv/bin/python -m offline example-audit --project-dir .' (in examples/audit-only): "
        "No module named offline here"
    ]
    assert command_problems("cd examples/audit-only\npulumi stack init audit\n") == [
        "'pulumi stack init audit' (in examples/audit-only): no Pulumi.audit.yaml here"
    ]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_readmes_commands_work_from_where_they_say(scenario):
    """Both sections start at the repository root (their text and examples/README.md say so)."""
    readme = (EXAMPLES_DIR / scenario / "README.md").read_text(encoding="utf-8")
    offline_blocks = _shell_blocks(readme, "Run it offline")
    real_blocks = _shell_blocks(readme, "Run it for real")
    assert offline_blocks and real_blocks
    for block in offline_blocks + real_blocks:
        assert command_problems(block) == []
    # Every stack is shown offline and initialised for real.
    for name in stack_names(EXAMPLES_DIR / scenario):
        assert any(f"-m offline {name} --project-dir examples/{scenario}" in block for block in offline_blocks)
        assert any(f"pulumi stack init {name}" in block for block in real_blocks)


def test_the_examples_readme_runs_from_the_root():
    readme = (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    [setup] = [block.split("```", 1)[0] for block in readme.split("```sh\n")[1:]]
    assert command_problems(setup) == []
    for line in re.findall(r"`(\.venv/bin/python -m offline [^`]+)`", readme):
        assert command_problems(line) == []


@pytest.mark.parametrize(("scenario", "stack"), STACKS, ids=[f"{a}/{b}" for a, b in STACKS])
def test_each_stack_sends_only_requests_aws_accepts_and_lints_clean(scenario, stack):
    run = built(scenario, stack)
    assert invalid_requests(translate(run)) == {}
    assert {d.label: f for d in stack_documents(run) if (f := findings_above_low(d.body))} == {}
    assert {d.label: f for d in stack_documents(run) if (f := community_findings(d))} == {}
    for vault in run.of_type(VAULT) + run.of_type(AIR_GAPPED_VAULT) + run.of_type(LOCK):
        assert vault.protect, f"{vault.name} is not protected"
        assert vault.inputs.get("forceDestroy", False) is False


# --- single-region ---------------------------------------------------------------------------------


def test_single_region():
    run = built("single-region", "example-single-region")
    assert run.warnings == []
    vault = run.named(VAULT, "backup-vault")
    assert (vault.inputs["name"], vault.protect) == ("windows-backups", True)
    assert _statements(run, "backup-vault-policy")[1] == {
        "Sid": "AuditorReadsVault",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/backup-auditor"},
        "Action": ["backup:DescribeBackupVault", "backup:ListRecoveryPointsByBackupVault"],
        "Resource": "*",
    }
    plans = {plan.inputs["name"]: plan.inputs for plan in run.of_type(PLAN)}
    assert sorted(plans) == ["ebs-daily-monthly", "windows-weekly-vss"]
    assert plans["windows-weekly-vss"]["advancedBackupSettings"] == [
        {"backupOptions": {"WindowsVSS": "enabled"}, "resourceType": "EC2"}
    ]
    daily, monthly = plans["ebs-daily-monthly"]["rules"]
    assert (daily["ruleName"], daily["scheduleExpressionTimezone"], daily["lifecycle"]) == (
        "daily",
        "Europe/Berlin",
        {"deleteAfter": 14},
    )
    assert monthly["lifecycle"] == {
        "coldStorageAfter": 30,
        "deleteAfter": 365,
        "optInToArchiveForSupportedResources": True,
    }
    [settings] = run.of_type(REGION_SETTINGS)
    assert settings.inputs == {"resourceTypeOptInPreference": {"EC2": True, "EBS": True}}
    selections = {s.inputs["name"]: s.inputs for s in run.of_type(SELECTION)}
    assert selections["windows-weekly-vss"]["selectionTags"] == [
        {"key": "alk:backup", "type": "STRINGEQUALS", "value": "windows-weekly-ec2-vss"}
    ]
    # Volumes by type, then by tag: the plan backs up EBS volumes only, so their archive tier is certain.
    assert selections["ebs-daily-monthly"]["resources"] == ["arn:aws:ec2:*:*:volume/*"]
    assert _verdict_of(run, "ebs-daily-monthly")["by_type"] == {
        "EBS": {"media": ["cold", "warm"], "meets_3_2_1": False}
    }
    assert _verdict_of(run, "windows-weekly-vss")["meets_3_2_1"] is False


def _verdict_of(run: OfflineRun, plan: str) -> dict[str, Any]:
    return json.loads(run.outputs["three_two_one"])[plan]


# --- three-two-one ----------------------------------------------------------------------------------


def test_three_two_one_archive():
    run = built("three-two-one", "example-321-archive")
    assert run.account_id == ARCHIVE
    vault = run.named(VAULT, "archive-vault")
    assert vault.inputs["name"] == "windows-server-archive"
    assert run.named(LOCK, "archive-vault-lock").inputs == {
        "region": "us-east-1",
        "backupVaultName": "windows-server-archive",
        "changeableForDays": 3,
        "maxRetentionDays": 3650,
        "minRetentionDays": 30,
    }
    assert [s["Sid"] for s in _statements(run, "archive-vault-policy")] == [
        "DenyRecoveryPointDeletion",
        "AllowCopyIntoFromSourceAccounts",
        "DenyCopiesFromOutsideTheOrganization",
    ]
    assert _statements(run, "archive-vault-policy")[1]["Principal"] == {"AWS": [f"arn:aws:iam::{PROD}:root"]}
    assert run.outputs["archive_vault_arn"] == f"arn:aws:backup:us-east-1:{ARCHIVE}:backup-vault:windows-server-archive"


def test_three_two_one_prod():
    run = built("three-two-one", "example-321-prod")
    assert run.account_id == PROD
    [rule] = run.named(PLAN, "backup-windows-weekly-vss").inputs["rules"]
    assert [(copy["destinationVaultArn"], copy["lifecycle"]) for copy in rule["copyActions"]] == [
        (f"arn:aws:backup:us-west-2:{PROD}:backup-vault:backup-copies-from-us-east-1", {"deleteAfter": 35}),
        (f"arn:aws:backup:us-east-1:{ARCHIVE}:backup-vault:windows-server-archive", {"deleteAfter": 365}),
    ]
    _weekly, monthly = run.named(PLAN, "backup-weekly-ebs").inputs["rules"]
    assert monthly["copyActions"][1] == {
        "destinationVaultArn": f"arn:aws:backup:us-east-1:{ARCHIVE}:backup-vault:windows-server-archive",
        "lifecycle": {"coldStorageAfter": 30, "deleteAfter": 365, "optInToArchiveForSupportedResources": True},
    }
    [reference] = run.of_type("pulumi:pulumi:StackReference")
    assert reference.name == "acme/windows-server-backup/example-321-archive"
    [testing] = run.of_type(RESTORE_TESTING_PLAN)
    assert testing.inputs["recoveryPointSelection"]["includeVaults"] == [
        f"arn:aws:backup:us-east-1:{PROD}:backup-vault:backup-vault-us-east-1"
    ]
    # EC2 instance backups stay warm; the volume plan gives the instances' data its second medium.
    verdict = _verdict_of(run, "weekly-ebs")
    assert (verdict["meets_3_2_1"], verdict["copy_count"], verdict["media"]) == (True, 3, ["cold", "warm"])
    assert _verdict_of(run, "windows-weekly-vss")["media"] == ["warm"]


# --- one-program-archive -----------------------------------------------------------------------------


def test_one_program_archive():
    run = built("one-program-archive", "example-one-program-prod")
    archive_provider = run.named(PROVIDER, "aws-archive-account")
    assert (
        json.loads(archive_provider.inputs["assumeRoles"])[0]["roleArn"]
        == "arn:aws:iam::222222222222:role/archive-deployer"
    )
    archive_vault = run.named(VAULT, "archive-vault")
    assert archive_vault.provider.startswith(archive_provider.urn)
    assert archive_vault.outputs["arn"] == f"arn:aws:backup:eu-west-1:{ARCHIVE}:backup-vault:windows-server-archive"
    # Copy B goes through the stack's own provider, placed by the resources' region.
    assert run.named(VAULT, "backup-copy-eu-central-1-vault").inputs["region"] == "eu-central-1"
    assert _verdict_of(run, "weekly-ebs")["meets_3_2_1"] is True


# --- air-gapped-archive ------------------------------------------------------------------------------


def test_air_gapped_archive():
    archive = built("air-gapped-archive", "example-air-gapped-archive")
    [vault] = archive.of_type(AIR_GAPPED_VAULT)
    assert vault.inputs == {
        "region": "us-east-1",
        "name": "windows-air-gapped-archive",
        "minRetentionDays": 7,
        "maxRetentionDays": 3650,
        "tags": {"environment": "archive"},
    }
    assert archive.of_type(VAULT) == [] and archive.of_type("aws:kms/key:Key") == []
    prod = built("air-gapped-archive", "example-air-gapped-prod")
    plan = prod.named(PLAN, "backup-windows-weekly-vss")
    assert plan.inputs["rules"][0]["copyActions"][1] == {
        "destinationVaultArn": archive.outputs["archive_vault_arn"],
        "lifecycle": {"deleteAfter": 730},
    }
    # The monthly archive-tier backups are copied to the second region and the air-gapped vault: each
    # is kept three times, one off-site; the air-gapped copy counts as warm (its tier is not confirmed).
    _weekly, monthly = prod.named(PLAN, "backup-weekly-ebs").inputs["rules"]
    assert [copy["destinationVaultArn"].split(":")[3] for copy in monthly["copyActions"]] == ["us-west-2", "us-east-1"]
    verdict = _verdict_of(prod, "weekly-ebs")
    assert (verdict["meets_3_2_1"], verdict["media"], verdict["complete_rules"]) == (
        True,
        ["cold", "warm"],
        ["weekly", "monthly-archive"],
    )
    assert [(c["region"], c["tier"]) for c in verdict["copies"] if c["rule"] == "monthly-archive"] == [
        ("us-east-1", "cold"),
        ("us-west-2", "cold"),
        ("us-east-1", "warm"),
    ]
    assert [w.split(": ", 1)[0] for w in prod.warnings] == ["archive.air_gapped"]


# --- restore-testing-with-validation -----------------------------------------------------------------


def test_restore_testing_with_validation():
    run = built("restore-testing-with-validation", "example-restore-testing")
    assert run.warnings == []
    [plan] = run.of_type(RESTORE_TESTING_PLAN)
    assert plan.inputs["recoveryPointSelection"]["includeVaults"] == [
        f"arn:aws:backup:us-west-2:{PROD}:backup-vault:backup-vault-us-west-2",
        f"arn:aws:backup:us-west-2:{PROD}:backup-vault:backup-copies-from-us-east-1",
    ]
    [selection] = run.of_type("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    assert selection.inputs["restoreMetadataOverrides"] == {
        "iamInstanceProfileName": "UseBackedUpValue",
        "instanceType": "t3.large",
        "subnetId": "subnet-0123456789abcdef0",
    }
    assert selection.inputs["validationWindowHours"] == 4
    [function] = run.of_type("aws:lambda/function:Function")
    assert function.name == "backup-restore-testing-validation-function"
    [workflow] = run.of_type("aws:sfn/stateMachine:StateMachine")
    assert workflow.name == "backup-restore-testing-validation-workflow"
    trigger = run.named("aws:cloudwatch/eventRule:EventRule", "backup-restore-testing-validation-trigger")
    assert json.loads(trigger.inputs["eventPattern"])["detail-type"] == ["Restore Job State Change"]
    [backup_plan] = run.of_type(PLAN)
    assert backup_plan.inputs["rules"][0]["scanActions"] == [
        {"malwareScanner": "GUARDDUTY", "scanMode": "INCREMENTAL_SCAN"}
    ]


# --- organization ----------------------------------------------------------------------------------------


def test_organization():
    archive = built("organization", "example-org-archive")
    [_deny, copy_in] = _statements(archive, "archive-vault-policy")
    assert copy_in == {
        "Sid": "AllowCopyIntoFromSourceAccounts",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    }
    run = built("organization", "example-org")
    assert run.account_id == "333333333333"
    policy = run.named("aws:organizations/policy:Policy", "organization-windows-weekly-vss")
    assert policy.inputs["type"] == "BACKUP_POLICY"
    content = json.loads(policy.inputs["content"])
    assert sorted(content["plans"]) == ["windows-weekly-vss-eu-central-1", "windows-weekly-vss-eu-west-1"]
    attachments = run.of_type("aws:organizations/policyAttachment:PolicyAttachment")
    assert {a.inputs["targetId"] for a in attachments} == {"ou-ab12-windows1"}
    instances = run.of_type("aws:cloudformation/stackSetInstance:StackSetInstance")
    assert sorted(i.name for i in instances) == ["organization-members-eu-central-1", "organization-members-eu-west-1"]
    assert not [r for r in run.resources if r.type.startswith("aws:backup/vault")]


# --- audit-only ------------------------------------------------------------------------------------------


def test_audit_only():
    run = built("audit-only", "example-audit")
    assert sorted(r.type for r in run.resources if r.custom) == [FRAMEWORK] + [REPORT_PLAN] * 3
    [framework] = run.of_type(FRAMEWORK)
    assert framework.inputs["name"] == "backup_evidence"
    assert [control["name"] for control in framework.inputs["controls"]] == [
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
        "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
        "BACKUP_RECOVERY_POINT_ENCRYPTED",
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
        "BACKUP_LAST_RECOVERY_POINT_CREATED",
    ]
    assert framework.inputs["controls"][1] == {
        "name": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
        "inputParameters": [
            {"name": "requiredFrequencyUnit", "value": "days"},
            {"name": "requiredFrequencyValue", "value": "7"},
            {"name": "requiredRetentionDays", "value": "35"},
        ],
        "scope": {"tags": {"environment": "prod"}},
    }
    plans = {plan.inputs["name"]: plan.inputs for plan in run.of_type(REPORT_PLAN)}
    assert sorted(plans) == ["backup_evidence_controls", "org_backup_jobs", "org_copy_jobs"]
    assert plans["org_copy_jobs"] == {
        "name": "org_copy_jobs",
        "reportDeliveryChannel": {
            "s3BucketName": "acme-backup-audit-reports",
            "s3KeyPrefix": "windows-server-backup",
            "formats": ["CSV"],
        },
        "reportSetting": {"reportTemplate": "COPY_JOB_REPORT", "accounts": ["ROOT"], "regions": ["*"]},
    }
    assert run.outputs["audit_report_bucket"] == "acme-backup-audit-reports"
    assert "vault_arn" not in run.outputs
    assert run.warnings == [
        f"BackupAudit 'backup-audit': report '{name}' covers other accounts: only the organization's management "
        "account or a delegated administrator may create it"
        for name in ("org_backup_jobs", "org_copy_jobs")
    ]


def test_the_audit_readme_shows_the_bucket_policy_the_program_writes_for_its_own_bucket():
    readme = (EXAMPLES_DIR / "audit-only" / "README.md").read_text(encoding="utf-8")
    statement = json.loads(readme.split("```json\n", 1)[1].split("```", 1)[0])
    from components.audit import report_bucket_policy

    [own, _tls] = json.loads(
        report_bucket_policy(bucket_arn="arn:aws:s3:::acme-backup-audit-reports", partition="aws", account_id=AUDIT)
    )["Statement"]
    assert statement == own
