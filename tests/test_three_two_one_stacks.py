"""The prod stacks: copy A at home, copy B in the other region, copy C in the archive account."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from conftest import PROD_FIXTURES, fixture_config

from offline import OfflineRun
from offline.markdown import three_two_one_section
from offline.report import render
from offline.verdict import plan_verdicts

PROD_ACCOUNT = "111111111111"
ARCHIVE_ACCOUNT = "222222222222"
ARCHIVE_ARN = f"arn:aws:backup:us-east-1:{ARCHIVE_ACCOUNT}:backup-vault:windows-server-archive"
PAIRS = [("us-east-1", "us-west-2"), ("us-west-2", "us-east-1")]


@pytest.fixture(params=PAIRS, ids=[PROD_FIXTURES[home] for home, _ in PAIRS])
def prod(request, fixture_run) -> tuple[OfflineRun, str, str]:
    home, other = request.param
    run = fixture_run(PROD_FIXTURES[home])
    assert run.error is None, run.error
    return run, home, other


def test_resource_counts(prod):
    run, home, _ = prod
    expected = {
        "aws:kms/key:Key": 3,
        "aws:kms/alias:Alias": 2,
        "aws:backup/vault:Vault": 2,
        "aws:backup/vaultPolicy:VaultPolicy": 2,
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration": 1,
        "aws:backup/plan:Plan": 2,
        "aws:backup/selection:Selection": 2,
        # the backup role, the VSS instance role and the restore testing role
        # the backup role, the VSS instance role, the restore testing role, and the restore
        # validation's function, state machine and trigger roles
        "aws:iam/role:Role": 6,
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": 3,
        # the restore role passes the instance role; the validation's three roles' own policies
        "aws:iam/rolePolicy:RolePolicy": 4,
        "aws:iam/instanceProfile:InstanceProfile": 1,
        "aws:ssm/association:Association": 1,
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "aws:sns/topicSubscription:TopicSubscription": 1,
        "aws:backup/vaultNotifications:VaultNotifications": 1,
        # failed jobs, completed with issues, restore validation trigger
        "aws:cloudwatch/eventRule:EventRule": 3,
        "aws:cloudwatch/eventTarget:EventTarget": 3,
        "aws:backup/restoreTestingPlan:RestoreTestingPlan": 1,
        "aws:backup/restoreTestingSelection:RestoreTestingSelection": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:lambda/function:Function": 1,
        "aws:sfn/stateMachine:StateMachine": 1,
    }
    if home == "us-east-1":  # audit evidence and malware scanning are on in prod-east only
        expected["aws:iam/role:Role"] += 1  # the GuardDuty scanner role
        expected["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"] += 1
        expected.update(
            {
                "aws:backup/framework:Framework": 1,
                # control compliance, backup jobs, copy jobs, restore jobs
                "aws:backup/reportPlan:ReportPlan": 4,
                "aws:s3/bucket:Bucket": 1,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
                "aws:s3/bucketVersioning:BucketVersioning": 1,
                "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
                "aws:s3/bucketPolicy:BucketPolicy": 1,
            }
        )
    assert Counter(r.type for r in run.resources if r.custom) == expected


def test_second_region_resources_name_their_region_on_the_stacks_provider(prod):
    """Copy B goes through the stack's default provider (its credentials and account pin) with each
    resource's own `region` (pulumi-aws 7), not through a second provider."""
    run, home, other = prod
    assert run.of_type("pulumi:providers:aws") == []
    copy_b = {
        ("aws:kms/key:Key", f"backup-copy-{other}-key"),
        ("aws:kms/alias:Alias", f"backup-copy-{other}-key-alias"),
        ("aws:backup/vault:Vault", f"backup-copy-{other}-vault"),
        ("aws:backup/vaultPolicy:VaultPolicy", f"backup-copy-{other}-vault-policy"),
    }
    elsewhere = {(r.type, r.name) for r in run.resources if r.custom and r.inputs.get("region", home) != home}
    assert elsewhere == copy_b
    for type_, name in copy_b:
        resource = run.named(type_, name)
        assert resource.inputs["region"] == other
        assert resource.provider == ""  # the stack's default provider
    copy_vault = run.named("aws:backup/vault:Vault", f"backup-copy-{other}-vault")
    copy_key = run.named("aws:kms/key:Key", f"backup-copy-{other}-key")
    assert copy_vault.protect is copy_key.protect is True
    assert copy_vault.inputs["name"] == f"backup-copies-from-{home}"
    assert copy_vault.inputs["kmsKeyArn"] == copy_key.outputs["arn"]
    assert copy_key.outputs["arn"].startswith(f"arn:aws:kms:{other}:{PROD_ACCOUNT}:key/")
    assert copy_vault.outputs["arn"] == f"arn:aws:backup:{other}:{PROD_ACCOUNT}:backup-vault:backup-copies-from-{home}"
    home_vault = run.named("aws:backup/vault:Vault", "backup-vault")
    assert "region" not in home_vault.inputs
    assert home_vault.outputs["region"] == home
    assert home_vault.outputs["arn"].startswith(f"arn:aws:backup:{home}:{PROD_ACCOUNT}:")


def test_copy_b_keeps_its_names_and_parents(prod):
    """Placing copy B by region instead of by provider changes no URN: a URN is made of the parents'
    types, the type and the name, never the provider, so the vault needs no alias."""
    run, _, other = prod
    vault = run.named("aws:backup/vault:Vault", f"backup-copy-{other}-vault")
    chain = []
    resource = vault
    while resource.parent:
        resource = run.by_urn(resource.parent)
        chain.append((resource.type, resource.name))
    assert chain == [
        ("windows-server-backup:index:BackupVault", f"backup-copy-{other}-vault"),
        ("windows-server-backup:index:CrossRegionCopy", f"backup-copy-{other}"),
        ("windows-server-backup:index:WindowsServerBackup", "backup"),
        ("pulumi:pulumi:Stack", f"windows-server-backup-{run.settings.stack}"),
    ]
    assert vault.aliases == []


def test_every_rule_copies_to_both_destinations_with_valid_lifecycles(prod):
    run, home, other = prod
    copy_b = f"arn:aws:backup:{other}:{PROD_ACCOUNT}:backup-vault:backup-copies-from-{home}"
    plans = {plan.inputs["name"]: plan for plan in run.of_type("aws:backup/plan:Plan")}
    assert set(plans) == {f"windows-weekly-ec2-vss-{home}", f"weekly-ebs-{home}"}
    weekly_copies = [
        {"destinationVaultArn": copy_b, "lifecycle": {"deleteAfter": 35}},
        # The archive section keeps copies a year, and sets no cold storage: EC2 backups stay warm.
        {"destinationVaultArn": ARCHIVE_ARN, "lifecycle": {"deleteAfter": 365}},
    ]
    [vss_rule] = plans[f"windows-weekly-ec2-vss-{home}"].inputs["rules"]
    assert (vss_rule["ruleName"], vss_rule["lifecycle"]) == (f"windows-weekly-ec2-vss-{home}", {"deleteAfter": 35})
    assert vss_rule["copyActions"] == weekly_copies
    weekly, monthly = plans[f"weekly-ebs-{home}"].inputs["rules"]
    assert (weekly["ruleName"], weekly["lifecycle"], weekly["copyActions"]) == (
        "weekly",
        {"deleteAfter": 35},
        weekly_copies,
    )
    # Once a month, volume backups that move to the EBS archive tier on day 30, in all three places.
    archived = {"coldStorageAfter": 30, "optInToArchiveForSupportedResources": True}
    assert monthly["ruleName"] == "monthly-archive"
    assert monthly["schedule"] == "cron(0 5 1 * ? *)"
    assert monthly["lifecycle"] == {"deleteAfter": 120, **archived}
    assert monthly["copyActions"] == [
        {"destinationVaultArn": copy_b, "lifecycle": {"deleteAfter": 120, **archived}},
        {"destinationVaultArn": ARCHIVE_ARN, "lifecycle": {"deleteAfter": 365, **archived}},
    ]


def test_the_volume_plan_selects_ebs_volumes_by_type_then_tag(prod):
    run, home, _ = prod
    [selection] = [s for s in run.of_type("aws:backup/selection:Selection") if s.inputs["name"] == f"weekly-ebs-{home}"]
    assert selection.inputs["resources"] == ["arn:aws:ec2:*:*:volume/*"]
    assert selection.inputs["conditions"] == [
        {"stringEquals": [{"key": "aws:ResourceTag/alk:backup", "value": "weekly-ebs"}]}
    ]
    assert "selectionTags" not in selection.inputs


def test_home_vault_uses_its_own_key_shared_with_the_archive_account(prod):
    run, home, _ = prod
    key = run.named("aws:kms/key:Key", "backup-vault-key")
    vault = run.named("aws:backup/vault:Vault", "backup-vault")
    assert vault.inputs["kmsKeyArn"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert key.protect is True
    assert key.inputs["region"] == home
    alias = run.named("aws:kms/alias:Alias", "backup-vault-key-alias")
    assert alias.inputs == {"name": f"alias/backup-vault-{home}", "targetKeyId": key.outputs["keyId"], "region": home}
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AccountAdministersKeyThroughIam"]["Principal"] == {"AWS": f"arn:aws:iam::{PROD_ACCOUNT}:root"}
    assert statements["AwsBackupInThisAccountUsesKey"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"backup.{home}.amazonaws.com", "kms:CallerAccount": PROD_ACCOUNT}
    }
    copy = statements["CopyAccountsUseKeyThroughAwsBackup"]
    assert copy["Principal"] == {"AWS": [f"arn:aws:iam::{ARCHIVE_ACCOUNT}:root"]}
    assert copy["Condition"] == {"StringEquals": {"kms:ViaService": f"backup.{home}.amazonaws.com"}}
    assert "kms:CreateGrant" not in copy["Action"]
    grant = statements["CopyAccountsGrantToAwsServicesOnly"]
    assert grant["Action"] == "kms:CreateGrant"
    assert grant["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}


def test_home_vault_lock_is_governance(prod):
    run, home, _ = prod
    lock = run.named("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backup-vault-lock")
    assert lock.inputs == {"backupVaultName": f"backup-vault-{home}", "minRetentionDays": 7, "maxRetentionDays": 400}
    assert lock.protect is True


def _places(judged: dict) -> list[tuple]:
    return [(c["rule"], c["region"], c["account"], c["tier"], c["retention_days"]) for c in judged["copies"]]


def test_the_windows_vss_plan_is_judged_by_what_aws_does_with_ec2_backups(prod):
    """Three copies, one of them off-site, but all warm: AWS Backup cannot move AMIs to cold storage."""
    run, home, other = prod
    judged = json.loads(run.outputs["three_two_one"])[f"windows-weekly-ec2-vss-{home}"]
    rule = f"windows-weekly-ec2-vss-{home}"
    assert _places(judged) == [
        (rule, home, PROD_ACCOUNT, "warm", 35),
        (rule, other, PROD_ACCOUNT, "warm", 35),
        (rule, "us-east-1", ARCHIVE_ACCOUNT, "warm", 365),
    ]
    assert (judged["copy_count"], judged["media"], judged["off_site"]) == (3, ["warm"], True)
    assert judged["meets_3_2_1"] is False
    assert judged["resource_types"] == ["EC2"]
    assert judged["by_type"] == {"EC2": {"media": ["warm"], "meets_3_2_1": False}}
    assert judged["reasons"] == [
        "2 media? no: EC2 instance backups (AMIs) stay warm: AWS Backup cannot move them to cold storage "
        "(AWS Backup guide, Feature availability by resource; AWS Backup pricing)"
    ]
    first, second = judged["advice"]
    assert "back the instances' EBS volumes up in a plan that selects volumes" in first
    assert "A logically air-gapped vault isolates a copy; it does not change its medium." in first
    assert second == (
        f"plan 'weekly-ebs-{home}' of this stack keeps EBS volumes on both media: tag these instances' volumes "
        "for it to give their data a second medium"
    )


def test_the_volume_plan_reaches_a_second_medium_in_the_ebs_archive_tier(prod):
    run, home, other = prod
    judged = json.loads(run.outputs["three_two_one"])[f"weekly-ebs-{home}"]
    assert _places(judged) == [
        ("weekly", home, PROD_ACCOUNT, "warm", 35),
        ("weekly", other, PROD_ACCOUNT, "warm", 35),
        ("weekly", "us-east-1", ARCHIVE_ACCOUNT, "warm", 365),
        ("monthly-archive", home, PROD_ACCOUNT, "cold", 120),
        ("monthly-archive", other, PROD_ACCOUNT, "cold", 120),
        ("monthly-archive", "us-east-1", ARCHIVE_ACCOUNT, "cold", 365),
    ]
    assert all(c["cold_for"] == ["EBS"] for c in judged["copies"] if c["rule"] == "monthly-archive")
    assert (judged["copy_count"], judged["media"], judged["off_site"]) == (3, ["cold", "warm"], True)
    assert judged["meets_3_2_1"] is True
    assert judged["reasons"] == [] and judged["advice"] == [] and judged["assumed"] == []
    assert judged["resource_types"] == ["EBS"]


def test_lookups_once_per_account(prod):
    run, _, _ = prod
    assert Counter(i.token for i in run.invocations) == {
        "aws:index/getCallerIdentity:getCallerIdentity": 1,
        "aws:index/getPartition:getPartition": 1,
    }
    assert {i.provider for i in run.invocations} == {""}


@pytest.fixture
def archive(fixture_run) -> OfflineRun:
    run = fixture_run("archive")
    assert run.error is None, run.error
    return run


def test_archive_stack_resources(archive):
    assert Counter(r.type for r in archive.resources if r.custom) == {
        "aws:kms/key:Key": 2,
        "aws:kms/alias:Alias": 1,
        "aws:backup/vault:Vault": 1,
        "aws:backup/vaultPolicy:VaultPolicy": 1,
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration": 1,
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "aws:sns/topicSubscription:TopicSubscription": 1,
        "aws:backup/vaultNotifications:VaultNotifications": 1,
    }
    events = archive.named("aws:backup/vaultNotifications:VaultNotifications", "archive-notifications-vault-events")
    assert events.inputs["backupVaultName"] == "windows-server-archive"
    assert events.inputs["backupVaultEvents"] == [
        "RECOVERY_POINT_MODIFIED",
        "RESTORE_JOB_STARTED",
        "RESTORE_JOB_COMPLETED",
    ]
    subscription = archive.named("aws:sns/topicSubscription:TopicSubscription", "archive-notifications-email-0")
    assert subscription.inputs["protocol"] == "email"
    assert subscription.inputs["endpoint"] == "backup-alerts@example.com"
    assert all(r.provider == "" for r in archive.resources)
    assert archive.outputs["archive_vault_arn"] == ARCHIVE_ARN
    assert archive.outputs["archive_account_id"] == ARCHIVE_ACCOUNT


def test_archive_vault_is_compliance_locked_and_protected(archive):
    lock = archive.named("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "archive-vault-lock")
    assert lock.inputs == {
        "region": "us-east-1",  # ArchiveVault places everything in its region
        "backupVaultName": "windows-server-archive",
        "minRetentionDays": 30,
        "maxRetentionDays": 3650,
        "changeableForDays": 3,
    }
    for resource in (
        lock,
        archive.named("aws:backup/vault:Vault", "archive-vault"),
        archive.named("aws:kms/key:Key", "archive-key"),
    ):
        assert resource.protect is True


def test_archive_vault_policy_allows_only_copies_in(archive):
    policy = json.loads(archive.named("aws:backup/vaultPolicy:VaultPolicy", "archive-vault-policy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "DenyRecoveryPointDeletion",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault"],
            "Resource": "*",
        },
        {
            "Sid": "AllowCopyIntoFromSourceAccounts",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{PROD_ACCOUNT}:root"]},
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
        },
    ]


def test_archive_key_lets_sources_use_it_through_aws_backup_only(archive):
    key = archive.named("aws:kms/key:Key", "archive-key")
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert set(statements) == {
        "AccountAdministersKeyThroughIam",
        "AwsBackupInThisAccountUsesKey",
        "CopyAccountsUseKeyThroughAwsBackup",
        "CopyAccountsGrantToAwsServicesOnly",
    }
    use = statements["CopyAccountsUseKeyThroughAwsBackup"]
    assert use["Principal"] == {"AWS": [f"arn:aws:iam::{PROD_ACCOUNT}:root"]}
    assert use["Action"] == ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    assert use["Condition"] == {"StringEquals": {"kms:ViaService": "backup.us-east-1.amazonaws.com"}}


def test_prod_copies_fit_the_archive_lock(fixture_run, archive):
    """What the prod stacks declare of the archive lock is what the archive stack deploys."""
    lock = archive.named("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "archive-vault-lock").inputs
    for home, _ in PAIRS:
        run = fixture_run(PROD_FIXTURES[home])
        for plan in run.of_type("aws:backup/plan:Plan"):
            for rule in plan.inputs["rules"]:
                [to_archive] = [c for c in rule["copyActions"] if c["destinationVaultArn"] == ARCHIVE_ARN]
                assert lock["minRetentionDays"] <= to_archive["lifecycle"]["deleteAfter"] <= lock["maxRetentionDays"]


def test_dev_is_unchanged_by_the_3_2_1_features(fixture_run):
    dev = fixture_run("seed")
    assert [key.name for key in dev.of_type("aws:kms/key:Key")] == ["backup-notifications-key"]
    assert dev.named("aws:backup/vault:Vault", "backup-vault").inputs["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:")
    assert [i.args for i in dev.invocations if i.token == "aws:kms/getKey:getKey"] == [{"keyId": "alias/aws/backup"}]
    assert not dev.of_type("pulumi:providers:aws")
    for plan in dev.of_type("aws:backup/plan:Plan"):
        assert "copyActions" not in plan.inputs["rules"][0]


# --- what a plan is judged for ----------------------------------------------------------------------------

NS = "windows-server-backup:"


def _tagged_volume_plan(excluded: str) -> dict:
    """prod-east with the volume plan selecting by tag, leaving out ``excluded``."""
    config = fixture_config("prod-east")
    config[NS + "plans"][1]["selections"] = [
        {"name": "tagged", "tags": {"alk:backup": "weekly-ebs"}, "not_resources": [excluded]}
    ]
    return config


@pytest.mark.parametrize(
    ("account", "types", "cold_warnings"),
    [(PROD_ACCOUNT, ["EBS"], 0), ("999999999999", ["EC2", "EBS"], 1)],
    ids=["this-account", "another-account"],
)
def test_not_resources_of_another_account_leave_the_instances_in_the_verdict(run_config, account, types, cold_warnings):
    """Leaving out another account's instances does not keep this account's tagged instances out:
    the plan is still judged for them (and the monthly rule's cold storage skips them)."""
    run = run_config(_tagged_volume_plan(f"arn:aws:ec2:us-east-1:{account}:instance/*"))
    assert run.error is None, run.error
    judged = json.loads(run.outputs["three_two_one"])["weekly-ebs-us-east-1"]
    assert judged["resource_types"] == types
    assert judged["by_type"]["EBS"]["meets_3_2_1"] is True
    assert judged["meets_3_2_1"] is (types == ["EBS"])
    # The config layer knows the account from aws:allowedAccountIds and warns the same way.
    assert len([w for w in run.warnings if ".cold_storage_after_days" in w]) == cold_warnings


def test_a_verdict_for_assumed_types_is_qualified_in_every_report(run_config, fixture_run):
    """A tag selection leaving this account's instances out is judged for EBS volumes, assumed: the
    verdict still 'meets', but every report says for what (B3)."""
    run = run_config(_tagged_volume_plan(f"arn:aws:ec2:us-east-1:{PROD_ACCOUNT}:instance/*"))
    assert run.error is None, run.error
    judged = json.loads(run.outputs["three_two_one"])["weekly-ebs-us-east-1"]
    assert (judged["meets_3_2_1"], judged["certain"], judged["resource_types"]) == (True, False, ["EBS"])
    qualification = "for the assumed types (EBS); anything else carrying the tag is not judged"
    verdict = (plan_verdicts(run.outputs) or {})["weekly-ebs-us-east-1"]
    assert (verdict.qualification, verdict.headline) == (qualification, f"meets 3-2-1 {qualification}")
    assert f"weekly-ebs-us-east-1: meets 3-2-1 {qualification} (3 copies of a recovery point" in render(run)
    assert f"**`weekly-ebs-us-east-1`: :warning: meets 3-2-1 only {qualification}**" in three_two_one_section(
        run.outputs
    )
    # The prod fixture's volume plan selects volumes by type: a plain verdict.
    plain = (plan_verdicts(fixture_run("prod-east").outputs) or {})["weekly-ebs-us-east-1"]
    assert (plain.certain, plain.qualification, plain.headline) == (True, "", "meets 3-2-1")


def test_copies_split_between_the_volume_plans_rules_do_not_meet_3_2_1(run_config):
    """The weekly rule copies to the second region only, the monthly cold rule to the archive only:
    four places in all, but no recovery point is kept three times."""
    config = fixture_config("prod-east")
    weekly, monthly = config[NS + "plans"][1]["rules"]
    weekly["copy_to"], monthly["copy_to"] = ["cross_region"], ["archive"]
    run = run_config(config)
    assert run.error is None, run.error
    judged = json.loads(run.outputs["three_two_one"])["weekly-ebs-us-east-1"]
    assert (judged["meets_3_2_1"], judged["copy_count"], judged["complete_rules"]) == (False, 2, [])
    assert judged["reasons"] == [
        "3 copies? no: no rule keeps its recovery points in 3 places (weekly: 2, monthly-archive: 2), and a recovery "
        "point exists only where its own rule keeps it: copy one rule's backups to another region and another account"
    ]


def test_a_monthly_cold_rule_kept_only_at_home_gives_no_second_medium(run_config):
    config = fixture_config("prod-east")
    config[NS + "plans"][1]["rules"][1]["copy_to"] = []
    run = run_config(config)
    assert run.error is None, run.error
    judged = json.loads(run.outputs["three_two_one"])["weekly-ebs-us-east-1"]
    assert (judged["meets_3_2_1"], judged["complete_rules"], judged["media"]) == (False, ["weekly"], ["warm"])
    assert judged["reasons"] == [
        "2 media? no: the cold copies of EBS volume backups (snapshots) come only from rule 'monthly-archive', whose "
        "recovery points are not kept in 3 places with one off-site, and a medium counts only on a rule whose are: "
        "copy that rule's backups to another region and another account"
    ]
