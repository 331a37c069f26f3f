"""The review's judgement, one rule at a time, on hand-written run documents.

Each DANGER and WARNING rule of offline/risk.py with the change that triggers it, its boundary
(the same value, or a change the other way, is no finding), and the additions that are never
a warning.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from run_documents import (
    ARCHIVE,
    WEST_COPIES,
    compared,
    copy_action,
    deny_statement,
    lock,
    messages,
    plan,
    resource,
    rule,
    selection,
    vault,
    vault_policy,
    verdict_outputs,
)

from offline.diff import value_changes
from offline.risk import Scope, denied

WEST = "vault `copies` (account 123456789012, us-west-2)"


def warnings(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    return messages(before, after, "WARNING")


def dangers(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    return messages(before, after, "DANGER")


# --- vault locks --------------------------------------------------------------------------------


def test_removing_a_vault_lock_is_a_danger():
    assert dangers([vault(), lock()], [vault()]) == [
        "the vault lock of vault `v` is removed: nothing stops anyone with the rights from deleting its recovery "
        "points or shortening their retention. (A lock in compliance mode whose grace time is over cannot be "
        "removed: `pulumi up` would then fail.)"
    ]


@pytest.mark.parametrize(("new", "danger"), [(6, True), (7, False), (8, False)])
def test_lowering_a_locks_minimum_retention_is_a_danger(new, danger):
    found = dangers([vault(), lock(minRetentionDays=7)], [vault(), lock(minRetentionDays=new)])
    assert found == (
        [
            f"the vault lock of vault `v` lowers its minimum retention from 7 days to {new} days "
            f"(`minRetentionDays: 7 → {new}`): recovery points may then be deleted sooner."
        ]
        if danger
        else []
    )


def test_a_lock_moved_to_compliance_mode_is_a_warning():
    assert warnings([vault(), lock()], [vault(), lock(changeableForDays=3)]) == [
        "the vault lock of vault `v` moves to compliance mode (`changeableForDays: 3`): 3 days after `pulumi up` it "
        "can no longer be changed or removed by anyone, not even the root user, nor can the vault be deleted while "
        "it holds recovery points. Make sure its minimum and maximum retention are the ones you want for good."
    ]
    assert warnings([vault(), lock(changeableForDays=3)], [vault(), lock(changeableForDays=5)]) == []


def test_a_lock_re_created_under_another_name_is_judged_by_its_vault():
    moved = lock() | {"name": "other-lock", "urn": lock()["urn"].replace("::vault-lock", "::other-lock")}
    assert compared([vault(), lock()], [vault(), moved]).findings == []


def test_a_deleted_vault_is_one_danger_not_one_more_for_its_lock():
    assert [f.brief for f in compared([vault(), lock()], []).findings] == [
        "`vault` would be DELETED: it is no longer declared."
    ]


# --- the deny-deletions vault policy ----------------------------------------------------------


def test_dropping_the_deny_deletions_policy_is_a_danger():
    assert dangers([vault(), vault_policy(deny_statement())], [vault()]) == [
        "vault `v` no longer denies `backup:DeleteRecoveryPoint`, `backup:UpdateRecoveryPointLifecycle`, "
        "`backup:DeleteBackupVault` (the vault access policy is removed): anyone with the IAM rights can then "
        "delete its recovery points before their time."
    ]


def test_removing_the_deny_statement_or_one_of_its_actions_is_a_danger():
    allow = {"Sid": "AllowCopies", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "backup:CopyIntoBackupVault"}
    assert dangers([vault(), vault_policy(deny_statement(), allow)], [vault(), vault_policy(allow)]) == [
        "vault `v` no longer denies `backup:DeleteRecoveryPoint`, `backup:UpdateRecoveryPointLifecycle`, "
        "`backup:DeleteBackupVault` (its deny statement no longer covers them): anyone with the IAM rights can then "
        "delete its recovery points before their time."
    ]
    fewer = deny_statement(Action=["backup:DeleteBackupVault"])
    assert [
        f.brief for f in compared([vault(), vault_policy(deny_statement())], [vault(), vault_policy(fewer)]).dangers
    ] == ["vault `v` no longer denies deleting recovery points."]
    wildcard = deny_statement(Action="backup:*")
    assert compared([vault(), vault_policy(deny_statement())], [vault(), vault_policy(wildcard)]).findings == []


def test_an_exception_in_the_deny_statement_is_a_warning():
    exception = deny_statement(Condition={"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::1:role/break-glass"}})
    assert warnings([vault(), vault_policy(deny_statement())], [vault(), vault_policy(exception)]) == [
        "vault `v` now denies `backup:DeleteRecoveryPoint`, `backup:UpdateRecoveryPointLifecycle`, "
        "`backup:DeleteBackupVault` with exceptions (a `Condition` or named principals): whoever the exception lets "
        "through can delete recovery points. Check that it names only a break-glass role."
    ]


def test_a_policy_written_differently_is_no_change_at_all():
    diff = compared([vault(), vault_policy(deny_statement())], [vault(), vault_policy(deny_statement(), indent=None)])
    assert diff.changed == [] and diff.findings == []


def test_denied_reads_wildcards_not_actions_and_principals():
    assert denied(json.dumps({"Statement": {"Effect": "Deny", "Principal": "*", "Action": "backup:Delete*"}})) == {
        "backup:DeleteRecoveryPoint": "always",
        "backup:DeleteBackupVault": "always",
    }
    every_but_copy = {"Effect": "Deny", "Principal": "*", "NotAction": ["backup:CopyIntoBackupVault"]}
    assert set(denied({"Statement": [every_but_copy]})) == {
        "backup:DeleteRecoveryPoint",
        "backup:UpdateRecoveryPointLifecycle",
        "backup:DeleteBackupVault",
    }
    one_role = {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::1:role/r"}, "Action": "backup:*"}
    assert set(denied({"Statement": [one_role]}).values()) == {"with exceptions"}


# --- selections -----------------------------------------------------------------------------------


def test_deleting_a_selection_no_other_selection_covers_is_a_danger():
    assert dangers([plan(), selection()], [plan()]) == [
        "the deleted selection `weekly`: no selection of this stack selects resources tagged `backup=weekly` any "
        "more, so they are no longer backed up (their existing recovery points stay until their retention ends)."
    ]


def test_deleting_a_plan_with_its_selection_is_a_danger_that_names_the_plan():
    assert dangers([plan(), selection()], []) == [
        "backup plan `weekly` is deleted with its selection `weekly`: no selection of this stack selects resources "
        "tagged `backup=weekly` any more, so they are no longer backed up (their existing recovery points stay "
        "until their retention ends)."
    ]


def test_a_deleted_selection_whose_tag_another_selection_still_selects_is_no_danger():
    same_tag = selection("other", "daily", selectionTags=[{"type": "STRINGEQUALS", "key": "backup", "value": "weekly"}])
    assert compared([plan(), selection(), plan("daily"), same_tag], [plan("daily"), same_tag]).findings == []


def test_another_selection_with_an_extra_condition_does_not_cover_a_deleted_one():
    narrower = selection(
        "other",
        "daily",
        selectionTags=[{"type": "STRINGEQUALS", "key": "backup", "value": "weekly"}],
        conditions=[{"stringEquals": [{"key": "aws:ResourceTag/env", "value": "prod"}]}],
    )
    assert len(dangers([plan(), selection(), plan("daily"), narrower], [plan("daily"), narrower])) == 1


def test_narrowing_a_selection_is_a_warning_and_widening_it_is_not():
    tags = [{"type": "STRINGEQUALS", "key": "backup", "value": v} for v in ("a", "b")]
    wide = selection(selectionTags=tags)
    narrow = selection(selectionTags=tags[:1])
    assert warnings([plan(), wide], [plan(), narrow]) == [
        "backup selection `backup-weekly` of plan `weekly` is narrowed: it no longer selects resources tagged "
        "`backup=b`, and no other selection of this stack does, so they are no longer backed up."
    ]
    assert warnings([plan(), narrow], [plan(), wide]) == []


@pytest.mark.parametrize(
    ("before", "after", "narrowed"),
    [
        ({}, {"conditions": [{"stringEquals": [{"key": "aws:ResourceTag/env", "value": "prod"}]}]}, True),
        ({"conditions": [{"stringEquals": [{"key": "aws:ResourceTag/env", "value": "prod"}]}]}, {}, False),
        ({}, {"notResources": ["arn:aws:ec2:*:*:volume/*"]}, True),
        ({"resources": ["arn:aws:ec2:*:*:instance/*"]}, {"resources": ["arn:aws:ec2:*:*:instance/i-1"]}, True),
        ({"resources": ["arn:aws:ec2:*:*:instance/i-1"]}, {"resources": ["arn:aws:ec2:*:*:instance/*"]}, False),
    ],
    ids=["condition added", "condition removed", "exclusion added", "ARNs fewer", "ARNs more"],
)
def test_what_narrows_a_selection(before, after, narrowed):
    tag: dict[str, Any] = {"selectionTags": [{"type": "STRINGEQUALS", "key": "backup", "value": "weekly"}]}
    found = warnings([plan(), selection(**tag, **before)], [plan(), selection(**tag, **after)])
    assert len(found) == (1 if narrowed else 0)


def test_a_tag_kept_under_an_added_condition_or_exclusion_is_said_to_be_selected_only_under_it():
    tag: dict[str, Any] = {"selectionTags": [{"type": "STRINGEQUALS", "key": "backup", "value": "weekly"}]}
    prod = [{"stringEquals": [{"key": "aws:ResourceTag/env", "value": "prod"}]}]
    found = compared([plan(), selection(**tag)], [plan(), selection(**tag, conditions=prod)]).warnings
    assert [(f.message, f.brief) for f in found] == [
        (
            "backup selection `backup-weekly` of plan `weekly` is narrowed: it now selects resources tagged "
            "`backup=weekly` only when they also match `aws:ResourceTag/env` equals `prod`, and no other selection "
            "of this stack selects the others, so those are no longer backed up.",
            "backup selection `backup-weekly` now selects resources tagged `backup=weekly` only when they also match "
            "`aws:ResourceTag/env` equals `prod`.",
        )
    ]
    both = dict(tag, conditions=prod, notResources=["arn:aws:ec2:*:*:volume/*"])
    assert warnings([plan(), selection(**tag)], [plan(), selection(**both)]) == [
        "backup selection `backup-weekly` of plan `weekly` is narrowed: it now selects resources tagged "
        "`backup=weekly` only when they also match `aws:ResourceTag/env` equals `prod`, and except "
        "`arn:aws:ec2:*:*:volume/*`, and no other selection of this stack selects the others, so those are no "
        "longer backed up."
    ]


def test_a_scope_covers_what_it_selects_per_aws_logic():
    tagged = Scope.of(selection())
    everything = Scope.of(selection(resources=["*"]))
    assert everything.covers(tagged, (None, ("backup", "weekly")))
    assert not tagged.covers(everything, ("*", None))
    instances = Scope.of(selection(resources=["arn:aws:ec2:*:*:instance/*"]))
    assert instances.covers(
        Scope.of(selection(resources=["arn:aws:ec2:us-east-1:1:instance/i-1"])),
        ("arn:aws:ec2:us-east-1:1:instance/i-1", None),
    )
    assert not instances.covers(tagged, (None, ("backup", "weekly")))


# --- plans and rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "warned"), [(35, 34, True), (35, 35, False), (35, 36, False), (None, 3650, True)]
)
def test_a_shorter_retention_is_a_warning(old, new, warned):
    found = warnings([plan("weekly", rule(days=old))], [plan("weekly", rule(days=new))])
    assert len(found) == (1 if warned else 0)
    if warned and old == 35:
        assert found == [
            "retention shortened: plan `weekly` keeps new recovery points 34 days instead of 35 days "
            "(`lifecycle.deleteAfter: 35 → 34`): a restore can reach back only 34 days (recovery points made "
            "before the change keep their retention)."
        ]


def test_a_copy_without_its_own_lifecycle_is_kept_as_long_as_the_rule():
    before = plan("weekly", rule(days=35, copies=[copy_action(days=None)]))
    after = plan("weekly", rule(days=14, copies=[copy_action(days=None)]))
    assert warnings([before], [after])[1] == (
        f"retention shortened: plan `weekly` keeps its copies in {WEST} 14 days instead of 35 days."
    )


def test_removing_or_redirecting_a_copy_is_a_warning():
    two = plan("weekly", rule(copies=[copy_action(), copy_action(ARCHIVE, 365)]))
    one = plan("weekly", rule(copies=[copy_action()]))
    assert warnings([two], [one]) == [
        "copy removed: plan `weekly` no longer copies to vault `archive` (account 222222222222, us-east-1) (kept "
        "365 days): new recovery points have one copy fewer, and none there."
    ]
    elsewhere = plan("weekly", rule(copies=[copy_action(ARCHIVE, 35)]))
    assert warnings([one], [elsewhere]) == [
        "copy redirected: plan `weekly` now copies to vault `archive` (account 222222222222, us-east-1) instead of "
        f"{WEST}: new copies go there, the copies already made stay where they are and expire there."
    ]


def test_reordering_rules_and_copies_is_no_change():
    rules = [rule("a", copies=[copy_action(), copy_action(ARCHIVE, 365)]), rule("b")]
    reordered = [rule("b"), rule("a", copies=[copy_action(ARCHIVE, 365), copy_action()])]
    diff = compared([plan("weekly", *rules)], [plan("weekly", *reordered)])
    assert diff.changed == [] and diff.findings == []


def test_a_schedule_that_runs_less_often_is_a_warning():
    daily = plan("weekly", rule(schedule="cron(0 3 * * ? *)"))
    weekly = plan("weekly", rule(schedule="cron(0 3 ? * SUN *)"))
    assert warnings([daily], [weekly]) == [
        "backups less often: plan `weekly` now runs `cron(0 3 ? * SUN *)` instead of `cron(0 3 * * ? *)`: up to "
        "7 days between two backups instead of 1 day, so more data can be lost."
    ]
    assert warnings([weekly], [daily]) == []


def test_turning_windows_vss_or_continuous_backup_off_is_a_warning():
    assert warnings([plan(vss=True)], [plan()]) == [
        "Windows VSS turned off: plan `weekly` now takes crash-consistent backups of Windows instances, no longer "
        "application-consistent ones (open files and databases may not restore cleanly)."
    ]
    continuous = plan("weekly", rule(enableContinuousBackup=True))
    assert warnings([continuous], [plan()]) == [
        "continuous backup turned off: plan `weekly` no longer allows point-in-time restores."
    ]


def test_removing_a_rule_is_a_warning():
    assert warnings([plan("weekly", rule("a"), rule("b"))], [plan("weekly", rule("a"))]) == [
        "rule removed: plan `weekly` no longer runs rule `b` (`cron(0 18 ? * SUN *)`, kept 35 days, 0 copies): the "
        "backups it made stop."
    ]


TAGGED_WEEKLY = {"selectionTags": [{"type": "STRINGEQUALS", "key": "backup", "value": "weekly"}]}


def test_a_renamed_plan_is_judged_against_the_old_one_so_a_cut_retention_shows():
    # The stack file renames the plan and cuts its retention: the old plan is removed, the new one
    # added, and the new one's selection takes over everything the old one selected.
    old = [plan("weekly", rule("weekly", days=35), vss=True), selection("weekly", "weekly", **TAGGED_WEEKLY)]
    new = [plan("weekly-2", rule("weekly-2", days=7)), selection("weekly-2", "weekly-2", **TAGGED_WEEKLY)]
    diff = compared(old, new)
    assert diff.dangers == []
    assert [f.message for f in diff.warnings] == [
        "Windows VSS turned off: plan `weekly-2` (renamed from `weekly`) now takes crash-consistent backups of "
        "Windows instances, no longer application-consistent ones (open files and databases may not restore "
        "cleanly).",
        "retention shortened: plan `weekly-2` (renamed from `weekly`) keeps new recovery points 7 days instead of "
        "35 days (`lifecycle.deleteAfter: 35 → 7`): a restore can reach back only 7 days (recovery points made "
        "before the change keep their retention).",
    ]


def test_a_new_plan_that_selects_less_is_no_successor_of_a_deleted_one():
    old = [plan("weekly", rule("weekly", days=35)), selection("weekly", "weekly", **TAGGED_WEEKLY)]
    narrower = dict(TAGGED_WEEKLY, conditions=[{"stringEquals": [{"key": "aws:ResourceTag/env", "value": "prod"}]}])
    new = [plan("weekly-2", rule("weekly-2", days=7)), selection("weekly-2", "weekly-2", **narrower)]
    diff = compared(old, new)
    assert [f.brief for f in diff.findings] == [
        "backup selection `backup-weekly` deleted: resources tagged `backup=weekly` no longer backed up."
    ]


def test_additions_are_never_warnings():
    before = [vault(), plan(), selection()]
    after = [
        vault(),
        plan("weekly", rule(copies=[copy_action()]), vss=True),
        selection(),
        plan("daily", rule("daily", schedule="cron(0 3 * * ? *)")),
        selection("daily", "daily"),
        lock(),
        vault_policy(deny_statement()),
    ]
    assert compared(before, after).findings == []


# --- the exported verdict -------------------------------------------------------------------------


THREE = (
    ("primary", "us-east-1", "111111111111", "warm", 35),
    ("copy", "us-west-2", "111111111111", "warm", 35),
    ("copy", "us-east-1", "222222222222", "cold", 365),
)


def test_a_verdict_going_from_met_to_not_met_is_a_warning_with_its_reasons():
    diff = compared([plan()], [plan()], base_outputs=verdict_outputs(*THREE), head_outputs=verdict_outputs(*THREE[:2]))
    assert [f.message for f in diff.warnings] == [
        "3-2-1 weakened for plan `weekly` (`weekly/weekly`): 3-2-1 is no longer met: 2 copies (3 needed): add "
        "copies to another region and account."
    ]


def test_a_verdict_losing_its_off_site_copy_is_a_warning_even_when_it_was_not_met():
    before = verdict_outputs(*THREE[:2])
    after = verdict_outputs(THREE[0], ("copy", "us-east-1", "111111111111", "cold", 35))
    diff = compared([plan()], [plan()], base_outputs=before, head_outputs=json.dumps(after))
    assert [f.message for f in diff.warnings] == [
        "3-2-1 weakened for plan `weekly` (`weekly/weekly`): copies 2 → 1.",
        "3-2-1 weakened for plan `weekly` (`weekly/weekly`): no copy off-site any more (outside the stack's region "
        "and account).",
    ]


def test_a_verdict_that_becomes_a_judgement_of_assumed_types_is_a_warning():
    """A plan that selected volumes by type and now selects by tag still 'meets', but only for the
    types assumed: the review says so rather than let the change pass as unchanged."""
    before = verdict_outputs(*THREE)
    after = verdict_outputs(*THREE)
    judged = after["three_two_one"]["weekly/weekly"]
    judged.update(certain=False, resource_types=["EBS"])
    diff = compared([plan()], [plan()], base_outputs=before, head_outputs=after)
    assert [f.message for f in diff.warnings] == [
        "3-2-1 weakened for plan `weekly` (`weekly/weekly`): 3-2-1 is now met only for the assumed types (EBS); "
        "anything else carrying the tag is not judged."
    ]
    # The other way round is no loss.
    assert compared([plan()], [plan()], base_outputs=after, head_outputs=before).warnings == []


# --- restore testing, audit and notifications ---------------------------------------------------------


def test_removing_restore_testing_audit_or_notifications_is_a_warning():
    watchers = [
        resource("aws:backup/restoreTestingPlan:RestoreTestingPlan", "restore-plan", {"name": "weekly"}),
        resource("aws:backup/framework:Framework", "audit", {"name": "audit", "controls": []}),
        resource(
            "aws:backup/vaultNotifications:VaultNotifications",
            "events",
            {"backupVaultName": "v", "backupVaultEvents": ["RESTORE_JOB_STARTED"]},
        ),
        resource(
            "aws:sns/topicSubscription:TopicSubscription", "mail", {"protocol": "email", "endpoint": "ops@example.com"}
        ),
    ]
    assert sorted(warnings([vault(), *watchers], [vault()])) == [
        "audit framework `audit` is removed: audit evidence stops: no control judges the backups any more.",
        "notification subscription `mail` is removed: `ops@example.com` is no longer notified.",
        "restore testing plan `restore-plan` is removed: restore testing stops: nothing proves any more that the "
        "backups restore.",
        "vault notifications `events` is removed: the vault's events are no longer sent to anyone.",
    ]
    renamed = [dict(w, name=w["name"] + "-2", urn=w["urn"] + "-2") for w in watchers]
    assert warnings([vault(), *watchers], [vault(), *renamed]) == []


# --- value diffs ---------------------------------------------------------------------------------------


def test_values_change_by_path_with_lists_matched_by_their_names():
    before = {"rules": [rule("a", days=30, copies=[copy_action(days=30)])], "policy": '{"Statement": []}'}
    after = {"rules": [rule("a", days=14, copies=[copy_action(days=14)])], "policy": '{ "Statement": [] }'}
    assert [(v.path, v.old, v.new) for v in value_changes(before, after)] == [
        (f"rules[a].copyActions[{WEST_COPIES}].lifecycle.deleteAfter", 30, 14),
        ("rules[a].lifecycle.deleteAfter", 30, 14),
    ]


def test_watchers_removed_with_their_component_are_one_warning_for_the_component():
    component = resource("p:index:Audit", "audit", {}, urn="urn:pulumi:dev::p::p:index:Backup$p:index:Audit::audit")
    children = [
        resource("aws:backup/framework:Framework", "audit-framework", {"name": "f"}, parent_type="p:index:Audit"),
        *(
            resource("aws:backup/reportPlan:ReportPlan", f"audit-{n}", {"name": n}, parent_type="p:index:Audit")
            for n in ("copies", "backups")
        ),
    ]
    for child in children:
        child["parent"] = component["urn"]
    diff = compared([vault(), component, *children], [vault()])
    assert [(f.level, f.name, f.message, f.brief) for f in diff.findings] == [
        (
            "WARNING",
            "audit",
            "component `audit` (Audit) is removed, and with it audit framework `audit-framework` and 2 audit report "
            "plans: audit evidence stops: no control judges the backups any more; audit reports are no longer "
            "delivered.",
            "component `audit` (Audit) removed: audit framework `audit-framework` and 2 audit report plans.",
        )
    ]
    # One report plan less, its component kept: a warning of its own.
    assert warnings([vault(), component, *children], [vault(), component, *children[:2]]) == [
        "audit report plan `audit-backups` is removed: audit reports are no longer delivered."
    ]
