"""windows-server-backup: AWS Backup for Windows Server EC2 instances and EBS volumes, 3-2-1.

Reads and validates the whole stack config first (nothing is registered when it is wrong),
then builds the stack's one top-level component and exports what other stacks and people need.
A source stack backs up its region (copy A) and copies to a second region (B) and to the
archive account (C); the archive stack holds the archive account's locked vault; the organization
stack sends the same plans to every account of AWS Organizations OUs (backup policies and a StackSet).
"""

import gc
import json

import pulumi
import pulumi_aws as aws

from components import ArchiveVault, BackupNotifications, OrganizationBackup, WindowsServerBackup
from stack_config import archive_vault_args, component_args, load_stack_config, organization_args, stack_warnings

# The garbage collector, tuned once per process (Pulumi runs a program once per process; where one
# runs it many times, as the offline engine and the tests do, only the first run tunes it):
# - what the imports built (modules, classes, the config schema) lives as long as the program, so
#   it is frozen out of every later full collection;
# - a young collection every 10,000 new objects instead of 700: the SDK keeps most of what it
#   allocates per resource until the program ends, and walking it again and again cost a quarter
#   of the CPU at 1,000 plans; collecting less often takes no more memory (bench/RESULTS.md).
# The raised threshold marks a process already tuned: gc.get_freeze_count() would count the frozen
# objects one by one (milliseconds for every later run in a process that runs the program often).
YOUNG_COLLECTION_EVERY = 10_000
if gc.get_threshold()[0] < YOUNG_COLLECTION_EVERY:
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])

config, region = load_stack_config()
for warning in stack_warnings(config, region):
    pulumi.log.warn(warning)
pulumi.export("region", region)

if config.organization is not None:
    org_archive_arn = None
    if config.archive is not None and config.archive.stack_reference:
        org_archive_arn = pulumi.StackReference(config.archive.stack_reference).require_output("archive_vault_arn")
    organization = OrganizationBackup("organization", organization_args(config, region, org_archive_arn))
    pulumi.export("backup_policy_ids", {plan: policy.id for plan, policy in organization.policies.items()})
    pulumi.export("stack_set_name", organization.stack_set.name)
    pulumi.export("stack_set_regions", list(organization.instances))
    pulumi.export("effective_policy", organization.effective_policy)
    # The 3-2-1 verdict as one JSON document (docs/three-two-one.md, "Reading the verdict"): one string for
    # the engine to resolve and store, where a nested mapping costs it an Output per value.
    pulumi.export("three_two_one", organization.three_two_one.apply(json.dumps))
elif config.archive_vault is not None:
    archive = ArchiveVault("archive", archive_vault_args(config.archive_vault, region, config.tags))
    pulumi.export("archive_vault_arn", archive.vault_arn)
    pulumi.export("archive_vault_name", archive.vault_name)
    pulumi.export("archive_kms_key_arn", archive.kms_key_arn)
    pulumi.export("archive_account_id", archive.account_id)
    if config.notifications is not None:
        notices = config.notifications
        topic = BackupNotifications(
            "archive-notifications",
            {
                "vault_name": archive.vault_name,
                "vault_events": notices.vault_events,
                # No backup jobs run in the archive account: no failed-jobs rule unless asked for.
                "failed_jobs_rule": notices.failed_jobs_rule
                if "failed_jobs_rule" in notices.model_fields_set
                else False,
                # ... and no Windows VSS backup that could fall back to crash-consistent.
                "completed_with_issues_rule": False,
                "email_subscribers": notices.email_subscribers,
                "tags": dict(config.tags),
            },
            account=archive.account,
        )
        pulumi.export("notification_topic_arn", topic.topic_arn)
else:
    # Copy B needs no provider of its own: its resources name their region (pulumi-aws 7) and go
    # through the stack's default provider, with the stack's credentials and account pin.
    archive_vault_arn = None
    if config.archive is not None and config.archive.stack_reference:
        archive_vault_arn = pulumi.StackReference(config.archive.stack_reference).require_output("archive_vault_arn")
    if config.archive is not None and config.archive.deploy_here:
        # One-program mode: this stack's credentials (its aws:profile too, which an explicit
        # provider does not read by itself) assume a role in the archive account.
        here = config.archive.deploy_here
        archive_account = aws.Provider(
            "aws-archive-account",
            region=here.region,
            profile=pulumi.Config("aws").get("profile"),
            assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=here.assume_role_arn)],
        )
        archive_vault = ArchiveVault(
            "archive",
            archive_vault_args(here.vault, here.region, config.tags),
            pulumi.ResourceOptions(provider=archive_account),
        )
        archive_vault_arn = archive_vault.vault_arn
        pulumi.export("archive_vault_arn", archive_vault_arn)

    backup = WindowsServerBackup("backup", component_args(config, region, archive_vault_arn))
    for output in (
        "vault_name",
        "vault_arn",
        "role_arn",
        "cross_region_vault_arn",
        "notification_topic_arn",
        "vss_instance_profile_name",
        "restore_testing_plan_name",
        "restore_testing_role_arn",
        "audit_framework_arn",
        "audit_report_bucket",
    ):
        if getattr(backup, output) is not None:  # only what this stack set up
            pulumi.export(output, getattr(backup, output))
    pulumi.export(
        "plans",
        {
            name: {
                "id": plan.id,
                "arn": plan.arn,
                "selections": {sel_name: sel.id for sel_name, sel in backup.selections[name].items()},
            }
            for name, plan in backup.plans.items()
        },
    )
    pulumi.export("three_two_one", backup.three_two_one.apply(json.dumps))  # as one JSON document, as above
