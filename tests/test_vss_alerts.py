"""VSS fallback alerts: an EC2 backup job that completed with a status message (the console's
"Completed with issues": Windows VSS failed and a crash-consistent snapshot was taken) reaches the
notification topic with a readable message; a clean completion, a failure, an EBS job or another
account's job does not. Patterns are matched with moto's EventBridge matcher, on events shaped like
AWS's documented examples (AWS Backup guide, "Monitoring AWS Backup events using Amazon EventBridge")."""

from __future__ import annotations

import copy
import json
from typing import Any, cast

import boto3
import pytest
from conftest import PROD_FIXTURES, seed_config
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.events.models import EventPattern
from moto.events.utils import EventTemplateParser

from components import BackupNotifications
from components.notifications import (
    COMPLETED_WITH_ISSUES_ALERT,
    COMPLETED_WITH_ISSUES_PATHS,
    completed_with_issues_message,
    completed_with_issues_pattern,
)
from offline import OFFLINE_ACCOUNT_ID, OfflineRun

RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ACCOUNT = "111111111111"
VSS_MESSAGE = "Windows VSS Backup Job Error encountered, trying for regular backup"

#: The documented COMPLETED backup job event, for a Windows instance, with the message the AWS
#: Backup guide ("Create Windows VSS backups") gives for a VSS failure.
COMPLETED_WITH_ISSUES: dict[str, Any] = {
    "version": "0",
    "id": "dafac799-9b88-0134-26b7-fef4d54a134f",
    "detail-type": "Backup Job State Change",
    "source": "aws.backup",
    "account": ACCOUNT,
    "time": "2026-03-01T18:41:17Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0"],
    "detail": {
        "backupJobId": "a827233a-d405-4a86-a440-759fa94f34dd",
        "backupSizeInBytes": "36048",
        "backupVaultArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:backup-vault-us-east-1",
        "backupVaultName": "backup-vault-us-east-1",
        "bytesTransferred": "36048",
        "creationDate": "2026-03-01T18:00:31.207Z",
        "iamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup-restore-role-0000000",
        "resourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0",
        "resourceType": "EC2",
        "state": "COMPLETED",
        "statusMessage": VSS_MESSAGE,
        "completionDate": "2026-03-01T18:41:05.921Z",
        "startBy": "2026-03-01T19:00:00.000Z",
        "percentDone": 100,
        "retryCount": 0,
        "createdBy": {
            "backupPlanId": "bde0f455-4e24-4668-aeaa-4932a97f5cc5",
            "backupPlanArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-plan:bde0f455-4e24-4668-aeaa-4932a97f5cc5",
            "backupPlanVersion": "YTkzNmM0MmUtMWRhNS00Y2RkLThmZGUtNjA5NTc4NGM1YTc5",
            "backupPlanRuleId": "1f97bafa-14d6-4f39-94fd-94b51bd6d0d5",
        },
    },
}


def event(
    detail: dict[str, Any] | None = None, drop: tuple[str, ...] = (), top: dict[str, Any] | None = None
) -> dict[str, Any]:
    changed = copy.deepcopy(COMPLETED_WITH_ISSUES)
    changed["detail"].update(detail or {})
    for key in drop:
        changed["detail"].pop(key)
    changed.update(top or {})
    return changed


def matches(pattern: str, sample: dict[str, Any]) -> bool:
    return EventPattern.load(pattern).matches_event(cast(Any, sample))


PATTERN = completed_with_issues_pattern(ACCOUNT)


def test_a_vss_fallback_matches():
    assert matches(PATTERN, COMPLETED_WITH_ISSUES)


@pytest.mark.parametrize(
    "sample",
    [
        # The documented clean COMPLETED event carries no statusMessage at all.
        event(drop=("statusMessage",)),
        # Some documented events carry an empty one (PENDING does).
        event({"statusMessage": ""}),
        event({"state": "PENDING", "statusMessage": ""}),
        event({"state": "FAILED", "statusMessage": '"Backup job failed because backup vault does not exist."'}),
        event({"state": "ABORTED", "statusMessage": '"Backup job was stopped by user."'}),
        event({"state": "EXPIRED", "statusMessage": "Backup job expired"}),
        event({"resourceType": "EBS", "resourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0b5ae24f2ee72d926"}),
        event(top={"account": "222222222222"}),
        event(top={"detail-type": "Copy Job State Change"}),
        event(top={"source": "aws.ec2"}),
    ],
    ids=[
        "clean-completion",
        "empty-message",
        "pending",
        "failed",
        "aborted",
        "expired",
        "ebs-job",
        "another-account",
        "copy-job",
        "another-source",
    ],
)
def test_nothing_else_matches(sample):
    assert not matches(PATTERN, sample)


def render(sample: dict[str, Any]) -> Any:
    """The alert EventBridge would send for ``sample`` (moto's input transformer)."""
    return EventTemplateParser.parse(
        completed_with_issues_message(), COMPLETED_WITH_ISSUES_PATHS, cast(Any, {**sample, "ingestion-time": ""})
    )


#: A status message with quotes, as AWS Backup writes some (the documented FAILED and ABORTED events
#: quote theirs), and no createdBy, as in the documented COMPLETED event.
QUOTED = event({"statusMessage": 'Windows VSS Backup Job Error encountered: writer "SqlServerWriter" failed'})
del QUOTED["detail"]["createdBy"]


@pytest.mark.parametrize("sample", [COMPLETED_WITH_ISSUES, QUOTED], ids=["documented", "quoted-without-created-by"])
def test_the_alert_is_valid_json_with_the_whole_job_whatever_it_holds(sample):
    assert render(sample) == {"alert": COMPLETED_WITH_ISSUES_ALERT, "backup_job": sample["detail"]}


def test_the_alert_reaches_its_target_through_moto_eventbridge():
    """End to end in moto: the rule matches the quoted message, the target gets the alert as JSON."""
    with mock_aws():
        events, sqs = boto3.client("events", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # moto's events come from its default account.
        events.put_rule(Name="completed-with-issues", EventPattern=completed_with_issues_pattern(DEFAULT_ACCOUNT_ID))
        transformer = {"InputPathsMap": COMPLETED_WITH_ISSUES_PATHS, "InputTemplate": completed_with_issues_message()}
        events.put_targets(
            Rule="completed-with-issues", Targets=[{"Id": "topic", "Arn": queue_arn, "InputTransformer": transformer}]
        )
        events.put_events(
            Entries=[
                {
                    "Source": "aws.backup",
                    "DetailType": "Backup Job State Change",
                    "Detail": json.dumps(QUOTED["detail"]),
                }
            ]
        )
        [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(message["Body"]) == {"alert": COMPLETED_WITH_ISSUES_ALERT, "backup_job": QUOTED["detail"]}


def test_the_alert_says_what_happened_and_what_to_do():
    assert "the Windows VSS part failed" in COMPLETED_WITH_ISSUES_ALERT
    assert "python -m doctor" in COMPLETED_WITH_ISSUES_ALERT
    assert json.loads(completed_with_issues_message().replace("<detail>", "{}")) == {
        "alert": COMPLETED_WITH_ISSUES_ALERT,
        "backup_job": {},
    }


# --- In the stacks -------------------------------------------------------------------------------


def _alert(run: OfflineRun, account: str) -> None:
    """The stack sends completed-with-issues alerts for its own account to its topic."""
    rule = run.named(RULE, "backup-notifications-completed-with-issues")
    target = run.named(TARGET, "backup-notifications-completed-with-issues")
    topic = run.named("aws:sns/topic:Topic", "backup-notifications")
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.backup"],
        "detail-type": ["Backup Job State Change"],
        "account": [account],
        "detail": {"state": ["COMPLETED"], "resourceType": ["EC2"], "statusMessage": [{"anything-but": [""]}]},
    }
    assert target.inputs == {
        "rule": rule.outputs["name"],
        "arn": topic.outputs["arn"],
        "inputTransformer": {
            "inputPaths": COMPLETED_WITH_ISSUES_PATHS,
            "inputTemplate": completed_with_issues_message(),
        },
    }
    # EventBridge may publish to the (encrypted) topic, for this account only.
    statement = json.loads(run.named("aws:sns/topicPolicy:TopicPolicy", "backup-notifications-policy").inputs["policy"])
    [publish] = statement["Statement"]
    assert "events.amazonaws.com" in publish["Principal"]["Service"]
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    key = json.loads(run.named("aws:kms/key:Key", "backup-notifications-key").inputs["policy"])
    assert "events.amazonaws.com" in key["Statement"][1]["Principal"]["Service"]


@pytest.mark.parametrize("home", sorted(PROD_FIXTURES))
def test_prod_stacks_alert_on_vss_fallbacks(fixture_run, home):
    run = fixture_run(PROD_FIXTURES[home])
    assert run.error is None, run.error
    _alert(run, ACCOUNT)


def test_the_seed_stack_alerts_on_vss_fallbacks(fixture_run):
    _alert(fixture_run("seed"), OFFLINE_ACCOUNT_ID)


def test_the_alert_can_be_turned_off(run_config):
    run = run_config(seed_config(notifications={"completed_with_issues_rule": False}))
    assert run.error is None, run.error
    assert [r.name for r in run.of_type(RULE)] == ["backup-notifications-failed-jobs"]


def test_a_stack_without_a_vss_plan_gets_no_alert(run_config):
    config = seed_config()
    config["windows-server-backup:plans"] = [config["windows-server-backup:plans"][1]]  # the EBS plan
    del config["windows-server-backup:vss_instances"]
    run = run_config(config)
    assert run.error is None, run.error
    assert [r.name for r in run.of_type(RULE)] == ["backup-notifications-failed-jobs"]


def test_the_archive_stack_gets_no_alert(fixture_run):
    run = fixture_run("archive")
    assert not [r for r in run.of_type(RULE) if "completed-with-issues" in r.name]


def test_the_component_alerts_by_default(run_components):
    run = run_components(lambda: BackupNotifications("n", {"vault_name": "v"}))
    assert run.error is None, run.error
    assert sorted(r.name for r in run.of_type(RULE)) == ["n-completed-with-issues", "n-failed-jobs"]
    off = run_components(lambda: BackupNotifications("n", {"vault_name": "v", "completed_with_issues_rule": False}))
    assert [r.name for r in off.of_type(RULE)] == ["n-failed-jobs"]
