"""BackupNotifications: tell people when backups fail or fall back, copies fail, or restores happen."""

import json
import re
from collections.abc import Sequence
from typing import NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts
from .kms_key import DELETION_WINDOW_DAYS
from .policies import notification_key_policy, notification_topic_policy

#: Vault events AWS Backup can publish (BACKUP_JOB_FAILED is deprecated: see the EventBridge rule).
VAULT_EVENTS = (
    "BACKUP_JOB_STARTED",
    "BACKUP_JOB_COMPLETED",
    "COPY_JOB_STARTED",
    "COPY_JOB_SUCCESSFUL",
    "COPY_JOB_FAILED",
    "RESTORE_JOB_STARTED",
    "RESTORE_JOB_COMPLETED",
    "RECOVERY_POINT_MODIFIED",
    "S3_BACKUP_OBJECT_FAILED",
    "S3_RESTORE_OBJECT_FAILED",
)
#: Default vault events: copy failures, restores (who is restoring what), and changed recovery points.
DEFAULT_VAULT_EVENTS = ("COPY_JOB_FAILED", "RESTORE_JOB_STARTED", "RESTORE_JOB_COMPLETED", "RECOVERY_POINT_MODIFIED")
#: Backup job states that mean "no recovery point was made".
FAILED_JOB_STATES = ("FAILED", "ABORTED", "EXPIRED")
#: Resource types whose completed-with-issues jobs are reported: EC2, where a failed Windows VSS
#: run falls back to a crash-consistent backup (AWS Backup guide, "Create Windows VSS backups").
COMPLETED_WITH_ISSUES_RESOURCE_TYPES = ("EC2",)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def vault_events_problem(events: Sequence[str]) -> Optional[rules.Violation]:
    """Each event must be one AWS Backup publishes for a vault."""
    for event in events:
        if event == "BACKUP_JOB_FAILED":
            return rules.Violation(
                "BACKUP_JOB_FAILED is deprecated as a vault event",
                "leave it out: failed, aborted and expired backup jobs are reported by this component's "
                "EventBridge rule",
            )
        if event not in VAULT_EVENTS:
            return rules.Violation(f"{event!r} is not an AWS Backup vault event", f"use some of {list(VAULT_EVENTS)}")
    return None


def failed_jobs_pattern() -> str:
    """EventBridge pattern for backup jobs that ended without a recovery point."""
    return json.dumps(
        {
            "source": ["aws.backup"],
            "detail-type": ["Backup Job State Change"],
            "detail": {"state": list(FAILED_JOB_STATES)},
        }
    )


def completed_with_issues_pattern(account_id: str) -> str:
    """EventBridge pattern for this account's EC2 backup jobs that completed with a status message.

    The console's "Completed with issues" is a COMPLETED job with a status message; AWS's
    EventBridge guide says to monitor exactly that ("Monitoring AWS Backup events using Amazon
    EventBridge"). A clean completion carries no ``statusMessage`` (the documented COMPLETED
    event) and other states may carry an empty one (the documented PENDING event), so the
    message must be present and not empty: ``anything-but [""]`` matches neither a missing key
    nor ``""``. ``account`` keeps out other accounts' jobs on a bus that receives them.
    """
    return json.dumps(
        {
            "source": ["aws.backup"],
            "detail-type": ["Backup Job State Change"],
            "account": [account_id],
            "detail": {
                "state": ["COMPLETED"],
                "resourceType": list(COMPLETED_WITH_ISSUES_RESOURCE_TYPES),
                "statusMessage": [{"anything-but": [""]}],
            },
        }
    )


#: What the completed-with-issues alert carries: the event's whole ``detail`` (EventBridge input
#: transformer). One object, not its fields one by one: a path missing from an event creates no
#: variable (the documented COMPLETED event has no ``createdBy``, so no plan ARN), and a string
#: value inside a quoted template is inserted unescaped (Amazon EventBridge User Guide, "Amazon
#: EventBridge input transformation", "Common Issues with transforming input": "EventBridge does
#: not escape values extracted by Input Path"), so a status message with a quote would break the
#: JSON. ``detail`` is in every event, and an unquoted placeholder in a JSON template takes the
#: value as JSON (same page, "Simple JSON"), escaped as the event has it.
COMPLETED_WITH_ISSUES_PATHS = {"detail": "$.detail"}

#: The alert's words, before the job's record.
COMPLETED_WITH_ISSUES_ALERT = (
    "An EC2 backup job completed WITH ISSUES: AWS Backup took a crash-consistent backup only, because the Windows "
    "VSS part failed (applications were not quiesced). The job follows: the instance is resourceArn, AWS Backup's "
    "message statusMessage. See the README section 'When an alert arrives' and run python -m doctor against the "
    "instance."
)


def completed_with_issues_message() -> str:
    """The alert, as an input template: a JSON object whose one placeholder, ``<detail>``, is
    unquoted, so it stays valid JSON whatever the job's fields hold."""
    return "{" + f'"alert": {json.dumps(COMPLETED_WITH_ISSUES_ALERT)}, "backup_job": <detail>' + "}"


class BackupNotificationsArgs(TypedDict):
    """Arguments of :class:`BackupNotifications`."""

    vault_name: pulumi.Input[str]
    """Vault whose events are published."""
    vault_events: NotRequired[Sequence[str]]
    """Vault events to publish. Default: :data:`DEFAULT_VAULT_EVENTS`."""
    failed_jobs_rule: NotRequired[bool]
    """Add the EventBridge rule for failed, aborted and expired backup jobs. Default: ``True``."""
    completed_with_issues_rule: NotRequired[bool]
    """Add the EventBridge rule for EC2 backup jobs that completed with issues (for Windows VSS:
    fell back to a crash-consistent backup). Default: ``True``."""
    email_subscribers: NotRequired[Sequence[str]]
    """Email addresses subscribed to the topic (each must confirm by email). Default: none."""
    tags: NotRequired[dict[str, str]]
    """Tags for the topic and key. Default: none."""


class BackupNotifications(pulumi.ComponentResource):
    """An encrypted SNS topic fed by the vault's events and by an EventBridge rule on failed jobs.

    Children: ``aws.kms.Key`` ``<name>-key`` (customer-managed, since AWS services cannot publish
    to a topic on the AWS-managed SNS key), ``aws.sns.Topic`` ``<name>``, ``aws.sns.TopicPolicy``
    ``<name>-policy``, ``aws.backup.VaultNotifications`` ``<name>-vault-events``,
    ``aws.cloudwatch.EventRule``/``EventTarget`` ``<name>-failed-jobs`` and
    ``<name>-completed-with-issues`` (the target sends a readable message), and one
    ``aws.sns.TopicSubscription`` ``<name>-email-<n>`` per subscriber.
    """

    topic_arn: pulumi.Output[str]
    """ARN of the notification topic (subscribe chat or paging tools to it)."""

    def __init__(
        self,
        name: str,
        args: BackupNotificationsArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupNotifications", name, None, opts)
        events = list(args.get("vault_events") or DEFAULT_VAULT_EVENTS)
        emails = list(args.get("email_subscribers") or [])
        lines = rules.problems(
            {"vault_events": vault_events_problem(events), "tags": rules.tags(args.get("tags") or {})}
        )
        lines += [
            f"email_subscribers[{i}]: {e!r} is not an email address."
            for i, e in enumerate(emails)
            if not _EMAIL.match(e)
        ]
        rules.raise_if_any("BackupNotifications", name, lines)

        account = account or AccountFacts.lookup(self)
        tags = args.get("tags") or None
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the AWS Backup notification topic {name}",
            enable_key_rotation=True,
            deletion_window_in_days=DELETION_WINDOW_DAYS,
            policy=pulumi.Output.all(account.partition, account.account_id).apply(
                lambda facts: notification_key_policy(partition=facts[0], account_id=facts[1])
            ),
            tags=tags,
            opts=child_opts(self),
        )
        topic = aws.sns.Topic(name, kms_master_key_id=key.arn, tags=tags, opts=child_opts(self))
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, account.account_id).apply(
                lambda pair: notification_topic_policy(topic_arn=pair[0], account_id=pair[1])
            ),
            opts=child_opts(self),
        )
        aws.backup.VaultNotifications(
            f"{name}-vault-events",
            backup_vault_name=args["vault_name"],
            sns_topic_arn=topic.arn,
            backup_vault_events=events,
            opts=child_opts(self),
        )
        if args.get("failed_jobs_rule", True):
            rule = aws.cloudwatch.EventRule(
                f"{name}-failed-jobs",
                description="AWS Backup jobs that failed, were aborted or expired (no recovery point made)",
                event_pattern=failed_jobs_pattern(),
                tags=tags,
                opts=child_opts(self),
            )
            aws.cloudwatch.EventTarget(
                f"{name}-failed-jobs",
                rule=rule.name,
                arn=topic.arn,
                opts=child_opts(self),
            )
        if args.get("completed_with_issues_rule", True):
            issues = aws.cloudwatch.EventRule(
                f"{name}-completed-with-issues",
                description="EC2 backup jobs completed with issues (Windows VSS fell back to crash-consistent)",
                event_pattern=account.account_id.apply(completed_with_issues_pattern),
                tags=tags,
                opts=child_opts(self),
            )
            aws.cloudwatch.EventTarget(
                f"{name}-completed-with-issues",
                rule=issues.name,
                arn=topic.arn,
                input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                    input_paths=COMPLETED_WITH_ISSUES_PATHS, input_template=completed_with_issues_message()
                ),
                opts=child_opts(self),
            )
        for index, email in enumerate(emails):
            aws.sns.TopicSubscription(
                f"{name}-email-{index}", topic=topic.arn, protocol="email", endpoint=email, opts=child_opts(self)
            )
        self.topic_arn = topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})


__all__ = [
    "COMPLETED_WITH_ISSUES_ALERT",
    "COMPLETED_WITH_ISSUES_PATHS",
    "COMPLETED_WITH_ISSUES_RESOURCE_TYPES",
    "DEFAULT_VAULT_EVENTS",
    "FAILED_JOB_STATES",
    "VAULT_EVENTS",
    "BackupNotifications",
    "BackupNotificationsArgs",
    "completed_with_issues_message",
    "completed_with_issues_pattern",
    "failed_jobs_pattern",
    "vault_events_problem",
]
