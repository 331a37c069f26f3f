"""The organization stack: backup policies and a StackSet from the same plans, through the real program.

The fixture ``tests/stacks/Pulumi.org.yaml`` (management account 333333333333, two OUs, us-east-1 and
us-west-2 copying to each other, archive 222222222222) pins what is registered; each config rule of
the organization stack is checked on a copy of it with one key changed, boundaries on both sides.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from cfnlint.api import ManualArgs, lint
from conftest import PROJECT, fixture_config, fixture_project, seed_config
from org_registrations import backup_policies, disagreements
from test_config_validation import accepted, assert_problem, drop, put, rejected

from components import OrganizationBackup
from components.org_policy_syntax import policy_problems
from components.three_two_one import cross_account_check
from offline import OfflineRun, run_offline
from offline.report import render

POLICY = "aws:organizations/policy:Policy"
ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
ADMIN = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
SETTINGS = "aws:backup/globalSettings:GlobalSettings"
COMPONENT = "windows-server-backup:index:OrganizationBackup"
OUS = ["ou-ab12-prod0001", "ou-ab12-prod0002"]
ARCHIVE_ARN = "arn:aws:backup:us-east-1:222222222222:backup-vault:windows-server-archive"
ROLE_ARN = "arn:aws:iam::$account:role/windows-server-backup"
VSS_ROLE = "windows-server-backup-vss-instance"


@pytest.fixture
def org(fixture_run) -> OfflineRun:
    run = fixture_run("org")
    assert run.error is None, run.error
    return run


def org_config() -> dict[str, Any]:
    return fixture_config("org")


def a(value: Any) -> dict[str, Any]:
    return {"@@assign": value}


# --- What the fixture registers ------------------------------------------------------------------


def test_the_organization_stack_registers_policies_attachments_and_a_stack_set(org):
    component = org.named(COMPONENT, "organization")
    assert sorted((r.type, r.name) for r in org.resources if r.custom) == sorted(
        [
            (STACK_SET, "organization-members"),
            (INSTANCE, "organization-members-us-east-1"),
            (INSTANCE, "organization-members-us-west-2"),
            (POLICY, "organization-windows-weekly-ec2-vss"),
            (POLICY, "organization-daily-ebs"),
            *[
                (ATTACHMENT, f"organization-{plan}-{ou}")
                for plan in ("windows-weekly-ec2-vss", "daily-ebs")
                for ou in OUS
            ],
            (ADMIN, "organization-backup-delegated-admin"),
            (SETTINGS, "organization-backup-global-settings"),
        ]
    )
    assert {r.parent for r in org.resources if r.custom} == {component.urn}
    # Nothing of a per-account stack, and no lookup: the organization stack knows everything it sends.
    assert not [r for r in org.resources if r.type.startswith(("aws:backup/vault", "aws:iam/", "aws:kms/"))]
    assert org.invocations == []


def test_the_stack_set_is_service_managed_and_deploys_automatically(org):
    stack_set = org.named(STACK_SET, "organization-members")
    inputs = {key: value for key, value in stack_set.inputs.items() if key != "templateBody"}
    assert inputs == {
        "name": "windows-server-backup-member",
        "description": "windows-server-backup: the vaults and role the organization's backup policies use",
        "permissionModel": "SERVICE_MANAGED",
        "autoDeployment": {"enabled": True, "retainStacksOnAccountRemoval": True},
        "capabilities": ["CAPABILITY_NAMED_IAM"],
        "callAs": "SELF",
        "operationPreferences": {
            "failureToleranceCount": 1,
            "maxConcurrentCount": 2,
            "regionConcurrencyType": "PARALLEL",
            # The role's region (the stack's own) first.
            "regionOrders": ["us-east-1", "us-west-2"],
        },
        "tags": {"environment": "prod"},
    }


def test_one_instance_per_region_one_after_the_other(org):
    stack_set = org.named(STACK_SET, "organization-members")
    east = org.named(INSTANCE, "organization-members-us-east-1")
    west = org.named(INSTANCE, "organization-members-us-west-2")
    for instance, region in ((east, "us-east-1"), (west, "us-west-2")):
        assert instance.inputs == {
            "stackSetName": "windows-server-backup-member",
            "stackSetInstanceRegion": region,
            "callAs": "SELF",
            "deploymentTargets": {"organizationalUnitIds": OUS},
            "operationPreferences": {
                "failureToleranceCount": 1,
                "maxConcurrentCount": 2,
                "regionConcurrencyType": "PARALLEL",
            },
            "retainStack": True,
        }
    # StackSets runs one operation per StackSet at a time.
    assert stack_set.urn in east.dependencies
    assert east.urn in west.dependencies


def test_the_policies_are_created_changed_and_attached_once_the_member_stacks_are(org):
    member_stacks = {r.urn for r in [*org.of_type(INSTANCE), *org.of_type(STACK_SET)]}
    assert len(member_stacks) == 3
    policies = {r.id: r for r in org.of_type(POLICY)}
    attachments = org.of_type(ATTACHMENT)
    assert sorted((policies[r.inputs["policyId"]].inputs["name"], r.inputs["targetId"]) for r in attachments) == sorted(
        (f"windows-server-backup-{plan}", ou) for plan in ("windows-weekly-ec2-vss", "daily-ebs") for ou in OUS
    )
    # A policy naming a new vault or region must not reach the accounts before the stacks that create it.
    for resource in [*attachments, *policies.values()]:
        assert member_stacks <= set(resource.dependencies), resource.name


def test_the_policies_are_backup_policies_generated_from_the_plans(org):
    policy = org.named(POLICY, "organization-windows-weekly-ec2-vss")
    assert (policy.inputs["name"], policy.inputs["type"], policy.inputs["tags"]) == (
        "windows-server-backup-windows-weekly-ec2-vss",
        "BACKUP_POLICY",
        {"environment": "prod"},
    )
    document = json.loads(policy.inputs["content"])
    assert policy.inputs["content"] == json.dumps(document, separators=(",", ":"))
    east = document["plans"]["windows-weekly-ec2-vss-us-east-1"]
    assert east["regions"] == a(["us-east-1"])
    assert east["advanced_backup_settings"] == {"ec2": {"windows_vss": a("enabled")}}
    assert east["selections"] == {
        "tags": {
            "windows": {
                "iam_role_arn": a(ROLE_ARN),
                "tag_key": a("alk:backup"),
                "tag_value": a(["windows-weekly-ec2-vss"]),
            }
        }
    }
    rule = east["rules"]["weekly"]
    assert rule["target_backup_vault_name"] == a("backup-vault")
    assert sorted(rule["copy_actions"]) == [
        ARCHIVE_ARN,
        "arn:aws:backup:us-west-2:$account:backup-vault:backup-copies",
    ]
    daily = json.loads(org.named(POLICY, "organization-daily-ebs").inputs["content"])["plans"]["daily-ebs"]
    assert daily["regions"] == a(["us-east-1", "us-west-2"])
    assert "copy_actions" not in daily["rules"]["daily"]
    assert daily["selections"]["tags"]["volumes"]["conditions"] == {
        "string_not_equals": {
            "condition_1": {"condition_key": a("aws:ResourceTag/environment"), "condition_value": a("test")}
        }
    }
    for name, content in backup_policies(org).items():
        assert policy_problems(content) == [], name


def test_the_policies_name_only_what_the_stack_set_creates_where_they_run(org):
    assert disagreements(org) == []


def test_the_stack_sets_template_passes_cfn_lint_in_every_instance_region(org):
    body = org.named(STACK_SET, "organization-members").inputs["templateBody"]
    assert lint(body, config=ManualArgs(regions=["us-east-1", "us-west-2"])) == []
    template = json.loads(body)
    assert sorted(template["Resources"]) == [
        "BackupRole",
        "CopyVault",
        "CopyVaultKey",
        "CopyVaultKeyAlias",
        "Vault",
        "VaultKey",
        "VaultKeyAlias",
        # The Windows VSS plan's instances: on by default when a plan has windows_vss.
        "VssInstanceProfile",
        "VssInstanceRole",
        "VssPackage1",
    ]


def test_delegated_administrator_and_global_settings_from_their_flags(org):
    admin = org.named(ADMIN, "organization-backup-delegated-admin")
    assert admin.inputs == {"accountId": "444444444444", "servicePrincipal": "backup.amazonaws.com"}
    settings = org.named(SETTINGS, "organization-backup-global-settings")
    # All three documented keys, so the resource has nothing to drift on.
    assert settings.inputs == {
        "globalSettings": {
            "isCrossAccountBackupEnabled": "true",
            "isMpaEnabled": "false",
            "isDelegatedAdministratorEnabled": "false",
        }
    }


def test_the_flags_are_off_by_default(run_config):
    config = org_config()
    drop(config, "organization.delegated_administrator_account_id")
    drop(config, "organization.backup_global_settings")
    run = run_config(config)
    accepted(run)
    assert not run.of_type(ADMIN) and not run.of_type(SETTINGS)


def test_the_outputs_show_the_policies_the_stack_set_the_effective_plans_and_3_2_1(org):
    outputs = org.outputs
    assert set(outputs["backup_policy_ids"]) == {"windows-weekly-ec2-vss", "daily-ebs"}
    assert outputs["stack_set_name"] == "windows-server-backup-member"
    assert outputs["stack_set_regions"] == ["us-east-1", "us-west-2"]
    assert sorted(outputs["effective_policy"]["plans"]) == [
        "daily-ebs",
        "windows-weekly-ec2-vss-us-east-1",
        "windows-weekly-ec2-vss-us-west-2",
    ]
    verdicts = json.loads(outputs["three_two_one"])
    # One verdict per policy plan and region, as the per-account stacks give one per plan.
    assert sorted(verdicts) == [
        "daily-ebs (us-east-1)",
        "daily-ebs (us-west-2)",
        "windows-weekly-ec2-vss-us-east-1 (us-east-1)",
        "windows-weekly-ec2-vss-us-west-2 (us-west-2)",
    ]
    west = verdicts["windows-weekly-ec2-vss-us-west-2 (us-west-2)"]
    assert [(c["role"], c["region"], c["account"], c["vault"]) for c in west["copies"]] == [
        ("primary", "us-west-2", "$account", "backup-vault"),
        ("copy", "us-east-1", "$account", "backup-copies"),
        ("copy", "us-east-1", "222222222222", "windows-server-archive"),
    ]
    # Three copies, one off-site, all warm: AWS Backup keeps the instances' AMIs out of cold storage.
    assert (west["meets_3_2_1"], west["media"], west["resource_types"]) == (False, ["warm"], ["EC2"])
    assert west["reasons"][0].startswith("2 media? no: EC2 instance backups (AMIs) stay warm")
    assert verdicts["daily-ebs (us-east-1)"]["meets_3_2_1"] is False


def test_a_rule_whose_runs_are_not_known_says_so_in_the_organizations_report(run_config):
    import datetime as dt

    config = org_config()
    config[f"{PROJECT}:plans"][1]["rules"][0]["schedule"] = "cron(0 3 ? * L *)"  # the cron library finds no run
    run = run_config(config)
    assert run.error is None, run.error
    text = render(run, dt.datetime(2026, 12, 5, tzinfo=dt.UTC)).splitlines()
    assert [line for line in text if line.startswith("  rule daily:")] == [
        "  rule daily: runs on a schedule this program cannot put in words (UTC), cron(0 3 ? * L *); "
        "next: not known to this program"
    ]


def test_the_report_tells_the_plans_every_member_account_gets(org):
    import datetime as dt

    text = render(org, dt.datetime(2026, 12, 5, tzinfo=dt.UTC)).splitlines()
    start = text.index("The plans every target account gets from the backup policies, in plain words:")
    # The policies by name, whatever order the engine registered them in.
    assert text[start + 1].startswith("Plan daily-ebs (policy windows-server-backup-daily-ebs)")
    start = text.index(next(line for line in text if line.startswith("Plan windows-weekly-ec2-vss-us-east-1"))) - 1
    assert text[start + 1 : start + 8] == [
        "Plan windows-weekly-ec2-vss-us-east-1 (policy windows-server-backup-windows-weekly-ec2-vss), in every target "
        "account in us-east-1; Windows VSS on for EC2 instances:",
        f"  selection windows: resources tagged alk:backup=windows-weekly-ec2-vss, as {ROLE_ARN}",
        "  rule weekly: runs at 18:00, only on Sunday (UTC), cron(0 18 ? * SUN *); next: Sun 2026-12-06 18:00, "
        "Sun 2026-12-13 18:00, Sun 2026-12-20 18:00 UTC",
        "    starts within 1 hour and must finish within 1 day",
        "    into vault backup-vault of the account and keeps each recovery point 35 days",
        "    copies each to arn:aws:backup:us-west-2:$account:backup-vault:backup-copies (the account's own vault) and "
        "keeps each recovery point 35 days",
        f"    copies each to {ARCHIVE_ARN} (another account's vault) and keeps each recovery point 365 days",
    ]
    assert "daily-ebs (us-east-1): does NOT meet 3-2-1 (1 copy of a recovery point, media warm, off-site: no)" in text


# --- Accounts, stack references, components from code --------------------------------------------


def test_accounts_narrow_the_targets_of_both_engines(run_config):
    config = org_config()
    put(config, "organization.targets.account_ids", ["111111111111", "555555555555"])
    run = run_config(config)
    accepted(run)
    assert sorted(r.inputs["targetId"] for r in run.of_type(ATTACHMENT)) == sorted(["111111111111", "555555555555"] * 2)
    for instance in run.of_type(INSTANCE):
        assert instance.inputs["deploymentTargets"] == {
            "organizationalUnitIds": OUS,
            "accounts": ["111111111111", "555555555555"],
            "accountFilterType": "INTERSECTION",
        }


def test_the_archive_can_come_from_the_archive_stack(tmp_path: Path):
    folder = fixture_project(tmp_path)
    text = (folder / "Pulumi.org.yaml").read_text()
    (folder / "Pulumi.org.yaml").write_text(
        text.replace(f"vault_arn: {ARCHIVE_ARN}", "stack_reference: organization/windows-server-backup/archive")
    )
    run = run_offline(folder, "org")
    assert run.error is None, run.error
    content = run.named(POLICY, "organization-windows-weekly-ec2-vss").inputs["content"]
    assert f'"{ARCHIVE_ARN}":' in content
    assert disagreements(run) == []


def test_the_component_works_from_code_and_refuses_what_the_config_layer_refuses(run_components):
    def program() -> None:
        OrganizationBackup(
            "org",
            {
                "regions": ["eu-west-1"],
                "role_region": "eu-west-1",
                "targets": {"organizational_unit_ids": ["r-ab12"]},
                "vault": {"name": "backup-vault"},
                "role": {"name": "backup-role"},
                "plans": [
                    {
                        "name": "nightly",
                        "rules": [{"name": "nightly", "schedule": "cron(0 1 ? * * *)", "delete_after_days": 7}],
                        "selections": [{"name": "all", "resources": ["*"]}],
                    }
                ],
            },
        )

    run = run_components(program)
    assert run.error is None, run.error
    assert [r.inputs["stackSetInstanceRegion"] for r in run.of_type(INSTANCE)] == ["eu-west-1"]
    assert [r.inputs["targetId"] for r in run.of_type(ATTACHMENT)] == ["r-ab12"]
    # From code the component logs its warnings itself (the config layer reports them with key paths).
    assert [w.split(":")[0] for w in run.warnings] == ["targets.organizational_unit_ids[0]"]

    def broken() -> None:
        OrganizationBackup(
            "org",
            {  # type: ignore[typeddict-item]  # no role_region: the component says so
                "regions": ["eu-west-1"],
                "targets": {"organizational_unit_ids": ["ou-x"]},
                "vault": {"name": "backup-vault"},
                "role": {"name": "backup-role"},
                "plans": [
                    {
                        "name": "nightly",
                        "rules": [{"name": "n", "schedule": "cron(0 1 ? * * *)", "schedule_timezone": "Europe/Paris"}],
                        "selections": [
                            {"name": "one", "resources": ["arn:aws:ec2:eu-west-1:111111111111:volume/vol-1"]}
                        ],
                    }
                ],
            },
        )

    run = run_components(broken)
    assert isinstance(run.error, pulumi.RunError)
    lines = str(run.error).splitlines()
    assert lines[0] == "OrganizationBackup 'org' has invalid arguments:"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        # From code, the role's region is given: it is never taken from the order of the regions.
        "- role_region",
        "- targets.organizational_unit_ids[0]",
        "- plans[0].rules[0].schedule_timezone",
        "- plans[0].selections[0].resources",
    ]
    assert not run.of_type(POLICY)


# --- Config rules ----------------------------------------------------------------------------------


def test_the_fixture_is_accepted(run_config):
    accepted(run_config(org_config()))


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC"])
def test_a_utc_time_zone_is_accepted(run_config, zone):
    accepted(run_config(put(org_config(), "plans[0].rules[0].timezone", zone)))


def test_a_time_zone_is_refused_because_backup_policies_run_in_utc(run_config):
    run = run_config(put(org_config(), "plans[0].rules[0].timezone", "Europe/Berlin"))
    assert_problem(
        run,
        "plans[0].rules[0].timezone",
        '"Europe/Berlin"',
        "backup policies have no time zone: their cron runs in UTC",
        "remove timezone and write the schedule's hours in UTC",
    )


def test_an_exact_resource_arn_cannot_be_expressed(run_config):
    config = org_config()
    put(
        config,
        "plans[1].selections[0]",
        {"name": "one", "resources": ["arn:aws:ec2:us-east-1:111111111111:volume/vol-1"]},
    )
    assert_problem(
        run_config(config),
        "plans[1].selections[0].resources",
        '["arn:aws:ec2:us-east-1:111111111111:volume/vol-1"]',
        "a backup policy selects resource types ('resource_types') or tags, never single resources by ARN",
        "select by tag, or by a whole resource type",
    )


def test_tags_and_resources_in_one_selection_cannot_be_expressed(run_config):
    config = org_config()
    put(config, "plans[1].selections[0].resources", ["*"])
    assert_problem(
        run_config(config),
        "plans[1].selections[0].tags",
        '{"alk:backup": "daily-ebs"}',
        "a backup policy selection holds either tags or resource types, not both",
        "move the tags to conditions.string_equals",
    )


def test_a_plan_cannot_select_by_tags_and_by_resource_types(run_config):
    config = org_config()
    selections = config[f"{PROJECT}:plans"][1]["selections"]
    selections.append({"name": "everything", "resources": ["*"]})
    assert_problem(
        run_config(config),
        "plans[1].selections",
        '"..."',
        "a backup policy plan selects either by tags or by resource types (they are mutually exclusive)",
        "split the plan in two",
    )


def test_a_selection_by_conditions_alone_is_judged_as_the_every_type_selection_its_policy_writes(run_config):
    config = org_config()
    put(config, "plans[1].selections[0]", {"name": "tagged", "conditions": {"string_equals": {"alk:backup": "x"}}})
    run = run_config(config)
    document = backup_policies(run)["windows-server-backup-daily-ebs"]
    assert document["plans"]["daily-ebs"]["selections"]["resources"]["tagged"]["resource_types"] == a(["*"])
    assert org_warnings(run)[0] == (
        "plans[1].selections[0].conditions: a backup policy selects by a tag or by resource types, so a selection by "
        "conditions alone becomes resource_types ['*']: every resource type AWS Backup supports, in every member "
        "account and region, that meets the conditions (not only Windows servers; the role gets the S3 policies, and "
        "the 3-2-1 verdict is judged for every type). Fix: select by a tag, or name the resource types, e.g. "
        "resources: ['arn:aws:ec2:*:*:instance/*']."
    )
    # The role can back up what '*' reaches (S3 buckets too), and the verdict is for every type, not EC2 and EBS.
    template = json.loads(run.named(STACK_SET, "organization-members").inputs["templateBody"])
    policies = [
        arn["Fn::Sub"].rsplit("/", 1)[1]
        for arn in template["Resources"]["BackupRole"]["Properties"]["ManagedPolicyArns"]
    ]
    assert "AWSBackupServiceRolePolicyForS3Backup" in policies
    verdict = json.loads(run.outputs["three_two_one"])["daily-ebs (us-east-1)"]
    assert verdict["resource_types"] == ["EC2", "EBS", "S3", "other"]
    # The fixture's tag selection keeps its tag: no warning, no S3 policies.
    fixture = run_config(org_config())
    assert org_warnings(fixture) == []
    assert (
        "AWSBackupServiceRolePolicyForS3Backup"
        not in fixture.named(STACK_SET, "organization-members").inputs["templateBody"]
    )


def test_not_resources_need_a_selection_by_resource_type(run_config):
    config = org_config()
    put(config, "plans[1].selections[0].not_resources", ["*"])
    assert_problem(
        run_config(config),
        "plans[1].selections[0].not_resources",
        '["*"]',
        "a backup policy leaves resource types out only of a selection by resource type",
        "add resources",
    )


def test_names_that_differ_only_in_case_collide_in_the_effective_policy(run_config):
    config = org_config()
    rules = config[f"{PROJECT}:plans"][1]["rules"]
    rules.append({**rules[0], "name": "Daily"})
    assert_problem(
        run_config(config),
        "plans[1].rules[1].name",
        '"Daily"',
        "the effective policy lower-cases rule names",
        "rename one of them",
    )


def test_a_plan_name_with_its_region_suffix_may_have_50_characters_not_51(run_config):
    name = "w" * 40  # + "-us-east-1" (10) = 50
    accepted(run_config(put(org_config(), "plans[0].name", name)))
    run = run_config(put(org_config(), "plans[0].name", name + "w"))
    assert_problem(
        run, "plans[0].name", f'"{name}w"', f"the policy plan '{name}w-us-east-1': a plan name must be 1-50", "shorten"
    )


def test_a_target_takes_10_policies_not_11(run_config):
    def config_with(count: int) -> dict[str, Any]:
        config = org_config()
        plan = config[f"{PROJECT}:plans"][1]
        config[f"{PROJECT}:plans"] = [{**plan, "name": f"daily-{index}"} for index in range(count)]
        return config

    accepted(run_config(config_with(10)))
    assert_problem(
        run_config(config_with(11)),
        "plans",
        "11",
        "a target takes at most 10 backup policies",
        "merge plans",
    )


def test_a_policy_of_more_than_10000_characters_is_refused(run_config):
    # Ten rules with two copies each and ten long tag selections, once per region: one plan's policy.
    config = org_config()
    plan = config[f"{PROJECT}:plans"][0]
    plan["rules"] = [{**plan["rules"][0], "name": f"rule-{index}"} for index in range(10)]
    plan["selections"] = [{"name": f"windows-{index}", "tags": {"alk:backup": "v" * 256}} for index in range(10)]
    text = rejected(run_config(config))
    assert (
        '  - plans[0]: got "windows-weekly-ec2-vss"; its backup policy would break AWS\'s syntax or limits: '
        "(document): " in text
    )
    assert "characters; a backup policy holds at most 10,000 (Organizations quotas). Fix: split the plan" in text


def test_every_backed_up_region_needs_a_copy_region(run_config):
    config = org_config()
    put(config, "organization.regions", ["us-east-1", "us-west-2", "eu-west-1"])
    assert_problem(
        run_config(config),
        "organization.cross_region.copy_regions",
        '{"us-east-1": "us-west-2", "us-west-2": "us-east-1"}',
        "rules copy to another region, and eu-west-1 (backed up) has no copy region",
        "add 'eu-west-1: <another region>'",
    )


def test_a_copy_region_is_another_region(run_config):
    config = org_config()
    put(config, "organization.cross_region.copy_regions.us-west-2", "us-west-2")
    assert_problem(
        run_config(config),
        "organization.cross_region.copy_regions.us-west-2",
        '"us-west-2"',
        "a cross-region copy must go to another region than the one backed up",
        "choose a second region",
    )


def test_a_copy_region_is_given_only_for_a_backed_up_region(run_config):
    config = org_config()
    put(config, "organization.cross_region.copy_regions.eu-west-1", "eu-central-1")
    assert_problem(
        run_config(config),
        "organization.cross_region.copy_regions.eu-west-1",
        '"eu-central-1"',
        "eu-west-1 is not a backed-up region",
        "add eu-west-1 to regions",
    )


def test_the_copy_vault_has_its_own_name(run_config):
    assert_problem(
        run_config(put(org_config(), "organization.cross_region.vault_name", "backup-vault")),
        "organization.cross_region.vault_name",
        '"backup-vault"',
        "would get two vaults of this name",
        "give the copy vault another name",
    )


def role_regions(run: OfflineRun) -> dict[str, list[str]]:
    """Each role the StackSet's template creates, with the instance regions whose member stacks create it."""
    [stack_set] = run.of_type(STACK_SET)
    template = json.loads(stack_set.inputs["templateBody"])
    instances = [str(i.inputs["stackSetInstanceRegion"]) for i in run.of_type(INSTANCE)]
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Role":
            _, region = template["Conditions"][resource["Condition"]]["Fn::Equals"]
            found[resource["Properties"]["RoleName"]] = [r for r in instances if r == region]
    return found


def test_the_role_is_created_in_the_stacks_own_region_whatever_the_order_of_the_regions(org, run_config):
    # AWS Backup's role and the VSS instances' role, both in the stack's region only.
    assert role_regions(org) == {"windows-server-backup": ["us-east-1"], VSS_ROLE: ["us-east-1"]}
    reordered = run_config(put(org_config(), "organization.regions", ["us-west-2", "us-east-1"]))
    accepted(reordered)
    # Still us-east-1 (aws:region), deployed first, and the member stacks see the same template.
    assert role_regions(reordered) == role_regions(org)
    assert [str(i.inputs["stackSetInstanceRegion"]) for i in reordered.of_type(INSTANCE)] == ["us-east-1", "us-west-2"]
    assert reordered.named(STACK_SET, "organization-members").inputs["operationPreferences"]["regionOrders"] == [
        "us-east-1",
        "us-west-2",
    ]
    assert (
        reordered.named(STACK_SET, "organization-members").inputs["templateBody"]
        == org.named(STACK_SET, "organization-members").inputs["templateBody"]
    )
    # Trimmed to us-west-2 alone, the stack's region keeps its member stacks, which hold the role and no vault.
    trimmed = run_config(
        put(put(org_config(), "organization.regions", ["us-west-2"]), "organization.cross_region", None)
    )
    accepted(trimmed)
    assert role_regions(trimmed) == role_regions(org)
    assert [str(i.inputs["stackSetInstanceRegion"]) for i in trimmed.of_type(INSTANCE)] == ["us-east-1", "us-west-2"]
    assert disagreements(trimmed) == []


def test_the_role_region_may_be_set_and_stays_in_the_partition(run_config):
    run = run_config(put(org_config(), "organization.role_region", "eu-west-1"))
    accepted(run)
    assert role_regions(run) == {"windows-server-backup": ["eu-west-1"], VSS_ROLE: ["eu-west-1"]}
    assert run.of_type(INSTANCE)[0].inputs["stackSetInstanceRegion"] == "eu-west-1"
    assert_problem(
        run_config(put(org_config(), "organization.role_region", "cn-north-1")),
        "organization.role_region",
        '"cn-north-1"',
        "the role's region is in partition aws-cn, and the backed-up regions in aws",
        "use a region of the backed-up regions' partition",
    )


def test_the_role_is_named_and_created_by_the_stack_set(run_config):
    assert_problem(
        run_config(drop(org_config(), "role.name")),
        "role.name",
        "null",
        "the policies name the role in every member account",
        "give role.name",
    )
    config = drop(org_config(), "role.name")
    put(config, "role.existing_arn", "arn:aws:iam::111111111111:role/backup")
    assert_problem(
        run_config(config),
        "role.existing_arn",
        '"arn:aws:iam::111111111111:role/backup"',
        "the policies name one role for every account, which the StackSet creates",
        "remove existing_arn",
    )


def test_the_break_glass_role_is_named_for_every_member_account_never_by_one_accounts_arn(run_config):
    run = run_config(put(org_config(), "vault.break_glass_role_name", "BreakGlass"))
    accepted(run)
    template = json.loads(run.named(STACK_SET, "organization-members").inputs["templateBody"])
    [deny] = template["Resources"]["Vault"]["Properties"]["AccessPolicy"]["Statement"]
    assert deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/BreakGlass"
    }
    arn = "arn:aws:iam::111111111111:role/BreakGlass"
    assert_problem(
        run_config(put(org_config(), "vault.break_glass_role_arn", arn)),
        "vault.break_glass_role_arn",
        f'"{arn}"',
        "a role ARN names one account, and every member account's vault would name that account's role",
        "give vault.break_glass_role_name",
    )
    # The name is an IAM role name: 64 characters pass, 65 do not.
    accepted(run_config(put(org_config(), "vault.break_glass_role_name", "b" * 64)))
    assert "  - vault.break_glass_role_name: got " in rejected(
        run_config(put(org_config(), "vault.break_glass_role_name", "b" * 65))
    )


def test_a_per_account_stack_names_its_break_glass_role_by_arn(run_config):
    assert_problem(
        run_config(seed_config(vault={**seed_config()[f"{PROJECT}:vault"], "break_glass_role_name": "BreakGlass"})),
        "vault.break_glass_role_name",
        '"BreakGlass"',
        "a role name stands for the role in each member account of the organization stack",
        "give vault.break_glass_role_arn",
    )


def test_the_component_refuses_one_accounts_break_glass_arn_from_code_too():
    from components.org_checks import organization_problems

    args: dict[str, Any] = {
        "regions": ["eu-west-1"],
        "role_region": "eu-west-1",
        "targets": {"organizational_unit_ids": ["ou-ab12-prod0001"]},
        "vault": {"name": "backup-vault", "break_glass_role_arn": "arn:aws:iam::111111111111:role/BreakGlass"},
        "role": {"name": "backup-role"},
        "plans": [],
    }
    assert [(path, value) for path, value, _ in organization_problems(args)] == [
        ("vault.break_glass_role_arn", "arn:aws:iam::111111111111:role/BreakGlass")
    ]


def member_resources(run: OfflineRun) -> list[str]:
    return sorted(json.loads(run.named(STACK_SET, "organization-members").inputs["templateBody"])["Resources"])


def test_the_vss_instance_side_is_on_for_a_vss_plan_and_can_be_turned_off(org, run_config):
    assert {"VssInstanceRole", "VssInstanceProfile", "VssPackage1"} <= set(member_resources(org))
    off = run_config(put(org_config(), "organization.vss_instances", {"enabled": False}))
    accepted(off)
    assert [name for name in member_resources(off) if name.startswith("Vss")] == []
    # No VSS plan: nothing by default; asked for, it has nothing to target.
    no_vss = put(org_config(), "plans[0].windows_vss", False)
    assert [name for name in member_resources(run_config(no_vss)) if name.startswith("Vss")] == []
    assert_problem(
        run_config(put(no_vss, "organization.vss_instances", {"enabled": True})),
        "organization.vss_instances.enabled",
        "true",
        "the VSS instance setup targets the instances of plans with windows_vss, and no plan has it",
        "set windows_vss: true on the Windows plan",
    )


def test_the_vss_instance_side_finds_the_instances_by_the_vss_plans_tags(run_config):
    config = put(org_config(), "plans[0].selections[0]", {"name": "all", "resources": ["arn:aws:ec2:*:*:instance/*"]})
    assert_problem(
        run_config(config),
        "plans[0].selections",
        '"..."',
        "installs AwsVssComponents on the instances it finds by the plan's selection tags, and this VSS plan has none",
        "or set vss_instances.enabled: false",
    )
    accepted(run_config(put(config, "organization.vss_instances", {"enabled": False})))


def test_the_vss_instance_role_has_a_name_of_its_own_and_a_state_manager_schedule(run_config):
    assert_problem(
        run_config(put(org_config(), "organization.vss_instances", {"instance_role_name": "windows-server-backup"})),
        "organization.vss_instances.instance_role_name",
        '"windows-server-backup"',
        "the member stacks would create two roles of this name",
        "give the instance role another name",
    )
    # Systems Manager's schedule rules, as in a per-account stack: rate(1 day), not rate(1 days).
    accepted(run_config(put(org_config(), "organization.vss_instances", {"schedule": "rate(1 day)"})))
    assert "  - organization.vss_instances.schedule: got " in rejected(
        run_config(put(org_config(), "organization.vss_instances", {"schedule": "rate(1 days)"}))
    )


def test_a_key_arn_cannot_serve_every_member_account(run_config):
    key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert_problem(
        run_config(put(org_config(), "vault.kms_key", key)),
        "vault.kms_key",
        f'"{key}"',
        "a key ARN belongs to one account and region",
        "use 'create'",
    )


@pytest.mark.parametrize(
    ("key", "value", "fix"),
    [
        ("cross_region", {"region": "us-west-2", "vault_name": "copies"}, "use organization.cross_region"),
        ("notifications", {"email_subscribers": []}, "move notifications to a per-account stack's file"),
        ("enable_cross_account_backup", True, "use organization.backup_global_settings"),
        ("vss_instances", {"schedule": "rate(7 days)"}, "use organization.vss_instances"),
        ("malware_scanning", {"scan_mode": "FULL_SCAN"}, "move malware_scanning to a per-account stack's file"),
    ],
)
def test_the_organization_stack_holds_no_per_account_resources(run_config, key, value, fix):
    assert_problem(
        run_config(put(org_config(), key, value)),
        key,
        '"..."',
        "the organization stack deploys from the management account and holds no per-account resources",
        fix,
    )


def test_the_organization_stack_never_deploys_into_the_archive_account(run_config):
    config = org_config()
    archive = fixture_config("archive")[f"{PROJECT}:archive_vault"]
    put(
        config,
        "archive",
        {
            "deploy_here": {
                "assume_role_arn": "arn:aws:iam::222222222222:role/deploy",
                "region": "us-east-1",
                "vault": archive,
            }
        },
    )
    assert_problem(
        run_config(config),
        "archive.deploy_here",
        '"..."',
        "the organization stack never deploys into the archive account",
        "deploy the archive stack with the archive account's credentials",
    )


def test_ou_ids_and_the_root_id_are_checked(run_config):
    accepted(run_config(put(org_config(), "organization.targets.organizational_unit_ids", ["r-ab12"])))
    assert_problem(
        run_config(put(org_config(), "organization.targets.organizational_unit_ids", ["ou-AB12-prod0001"])),
        "organization.targets.organizational_unit_ids[0]",
        '"ou-AB12-prod0001"',
        "an OU ID looks like 'ou-ab12-cd34ef56', the root's like 'r-ab12'",
        "copy the ID from the AWS Organizations console",
    )


def test_a_stack_set_operation_takes_50_ous_not_51(run_config):
    ous = [f"ou-ab12-{index:08d}" for index in range(51)]
    accepted(run_config(put(org_config(), "organization.targets.organizational_unit_ids", ous[:50])))
    run = run_config(put(org_config(), "organization.targets.organizational_unit_ids", ous))
    assert "  - organization.targets.organizational_unit_ids: got [" in rejected(run)


def org_warnings(run: OfflineRun) -> list[str]:
    """The run's warnings, once it ran."""
    assert run.error is None, run.error
    return list(run.warnings)


def test_the_root_as_a_target_warns_about_the_management_and_the_archive_account(run_config):
    run = run_config(put(org_config(), "organization.targets.organizational_unit_ids", ["r-ab12"]))
    assert org_warnings(run) == [
        "organization.targets.organizational_unit_ids[0]: the root reaches the management account too, which gets "
        "the backup policies but never the StackSet's vault and role (service-managed StackSets skip it), so its plans "
        "would fail; the archive account (222222222222) is under the root too, so it would get the backup policies, a "
        "member vault and the role like any member, and back itself up. Fix: target the OUs of the accounts to back "
        "up (not those of the management and archive accounts), or give the management account the vault and role "
        "with a per-account stack."
    ]
    # Without an archive, only the management account is named; with accounts, the root reaches those alone.
    config = put(org_config(), "organization.targets.organizational_unit_ids", ["r-ab12"])
    drop(config, "archive")
    [warning] = org_warnings(run_config(config))
    assert "so its plans would fail. Fix:" in warning
    config = put(org_config(), "organization.targets.organizational_unit_ids", ["r-ab12"])
    put(config, "organization.targets.account_ids", ["111111111111"])
    assert org_warnings(run_config(config)) == []


def test_the_delegated_administrator_is_a_member_account_and_best_not_the_archive(run_config):
    accepted(run_config(put(org_config(), "organization.delegated_administrator_account_id", "444444444444")))
    # AWS refuses the management account (CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR).
    assert_problem(
        run_config(put(org_config(), "organization.delegated_administrator_account_id", "333333333333")),
        "organization.delegated_administrator_account_id",
        '"333333333333"',
        "this is the management account, and AWS Organizations registers only a member account as a delegated "
        "administrator",
        "give a member account that administers backups",
    )
    run = run_config(put(org_config(), "organization.delegated_administrator_account_id", "222222222222"))
    assert org_warnings(run) == [
        "organization.delegated_administrator_account_id: this is the archive account: as AWS Backup's delegated "
        "administrator it would manage the organization's backup policies, and whoever controls it could change the "
        "plans of every account whose copies it keeps. Fix: register a separate backup administration account, or "
        "none."
    ]


def test_the_management_account_cannot_be_a_target(run_config):
    assert_problem(
        run_config(put(org_config(), "organization.targets.account_ids", ["333333333333"])),
        "organization.targets.account_ids[0]",
        '"333333333333"',
        "this is the management account, and service-managed StackSets never deploy to it",
        "back it up with a per-account stack",
    )


def test_the_archive_account_cannot_be_a_target(run_config):
    assert_problem(
        run_config(put(org_config(), "organization.targets.account_ids", ["222222222222"])),
        "organization.targets.account_ids[0]",
        '"222222222222"',
        "this is the archive account",
        "remove it from the targets",
    )


def test_strict_failure_tolerance_allows_one_more_account_at_once_not_two(run_config):
    accepted(run_config(put(org_config(), "organization.stack_set.max_concurrent_count", 2)))
    assert_problem(
        run_config(put(org_config(), "organization.stack_set.max_concurrent_count", 3)),
        "organization.stack_set.max_concurrent_count",
        "3",
        "StackSets act on at most failure_tolerance_count + 1 accounts at once, here 2",
        "raise failure_tolerance_count to 2",
    )


def test_a_count_or_a_percentage_not_both(run_config):
    assert_problem(
        run_config(put(org_config(), "organization.stack_set.failure_tolerance_percentage", 10)),
        "organization.stack_set.failure_tolerance_percentage",
        "10",
        "StackSets take either failure_tolerance_count or failure_tolerance_percentage, not both",
        "remove one of them",
    )


@pytest.mark.parametrize(("key", "value"), [("max_concurrent_percentage", 101), ("failure_tolerance_count", -1)])
def test_preference_ranges(run_config, key, value):
    run = run_config(put(org_config(), f"organization.stack_set.{key}", value))
    assert f"  - organization.stack_set.{key}: got {value}" in rejected(run)


def test_a_stack_set_name_may_have_128_characters_not_129(run_config):
    accepted(run_config(put(org_config(), "organization.stack_set.name", "s" * 128)))
    assert_problem(
        run_config(put(org_config(), "organization.stack_set.name", "s" * 129)),
        "organization.stack_set.name",
        '"' + "s" * 100,
        "a StackSet name is up to 128 letters, digits and hyphens, starting with a letter",
        "e.g. 'windows-server-backup-member'",
    )


def test_management_account_settings_are_refused_from_a_delegated_administrator(run_config):
    run = run_config(put(org_config(), "organization.stack_set.call_as", "DELEGATED_ADMIN"))
    text = rejected(run, 2)
    assert (
        '  - organization.delegated_administrator_account_id: got "..."; registering a delegated administrator ' in text
    )
    assert (
        '  - organization.backup_global_settings: got "..."; AWS Backup\'s organization settings can only be done'
        in text
    )


def test_the_per_account_rules_apply_to_every_member_account(run_config):
    # The member vault's lock keeps recovery points at least 7 days.
    config = put(org_config(), "plans[1].rules[0].delete_after_days", 6)
    assert_problem(
        run_config(config),
        "plans[1].rules[0].delete_after_days",
        "6",
        "the target vault is locked to keep recovery points at least 7 days",
        "keep them at least 7 days",
    )
    # Archive copies of EC2 and EBS depend on the volumes' keys, not the vault's: the member vault's AWS
    # managed key is accepted; the verdict names the check to run, as a per-account stack's does.
    on_aws_managed = run_config(put(org_config(), "vault.kms_key", "aws/backup"))
    assert on_aws_managed.error is None, on_aws_managed.error
    assert org_warnings(on_aws_managed) == []
    verdicts = json.loads(on_aws_managed.outputs["three_two_one"])
    copied = [name for name, v in verdicts.items() if any(c["account"] != "$account" for c in v["copies"])]
    assert copied  # the Windows VSS plan copies to the archive account; daily-ebs copies nowhere
    for name, verdict in verdicts.items():
        assert verdict["checks"] == ([cross_account_check()] if name in copied else [])
    # Copies to the archive must fit its lock.
    assert_problem(
        run_config(put(org_config(), "archive.delete_after_days", 3651)),
        "archive.delete_after_days",
        '{"delete_after_days": 3651',
        "the target vault is locked to keep recovery points at most 3650 days",
        "keep them at most 3650 days",
    )


def test_an_empty_region_list_is_refused(run_config):
    run = run_config(put(org_config(), "organization.regions", []))
    assert "  - organization.regions: got []" in rejected(run)


def test_a_policy_name_prefix_may_have_78_characters_not_79(run_config):
    # The policy name is <prefix><plan name>: at most 128 characters with a 50-character plan name.
    accepted(run_config(put(org_config(), "organization.policy_name_prefix", "p" * 78)))
    run = run_config(put(org_config(), "organization.policy_name_prefix", "p" * 79))
    assert "  - organization.policy_name_prefix: got " in rejected(run)


def test_the_delegated_administrator_is_an_account_id(run_config):
    assert_problem(
        run_config(put(org_config(), "organization.delegated_administrator_account_id", "44444444444")),
        "organization.delegated_administrator_account_id",
        '"44444444444"',
        "an AWS account ID is 12 digits",
        "write it in quotes",
    )


def test_an_organization_stack_is_not_also_the_archive_stack(run_config):
    config = org_config()
    put(config, "archive_vault", fixture_config("archive")[f"{PROJECT}:archive_vault"])
    assert_problem(
        run_config(config),
        "archive_vault",
        '"..."',
        "the organization stack deploys from the management account and holds no per-account resources",
        "move archive_vault to a per-account stack's file",
    )


def test_the_markdown_report_shows_the_member_accounts_plans(org):
    import datetime as dt

    from offline.markdown import render_stack

    text = render_stack(org, dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    assert "Every target account gets these plans from the backup policies (schedules in UTC):" in text
    assert (
        "Plan daily-ebs (policy windows-server-backup-daily-ebs), in every target account in us-east-1, us-west-2:"
        in text
    )
    assert "No backup plans in this stack." not in text


# --- What the organization stack refuses of the per-account vocabulary (issue 16) ----------------------


@pytest.mark.parametrize(
    ("change", "path", "rule"),
    [
        (
            {"region_settings": {"opt_in": {"EC2": True}}},
            "region_settings",
            "the organization stack deploys from the management account and holds no per-account resources",
        ),
        (
            {
                "vault": {
                    "name": "backup-vault",
                    "policy_statements": [
                        {
                            "Sid": "AuditorReads",
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::333333333333:role/auditor"},
                            "Action": "backup:DescribeBackupVault",
                            "Resource": "*",
                        }
                    ],
                }
            },
            "vault.policy_statements",
            "the StackSet gives every member vault the program's own access policy only",
        ),
        (
            {"vault": {"name": "backup-vault", "protect": False, "force_destroy": True}},
            "vault.force_destroy",
            "member vaults are retained, never force-destroyed",
        ),
    ],
    ids=["region-settings", "policy-statements", "force-destroy"],
)
def test_per_account_vault_options_are_refused_not_dropped(run_config, change, path, rule):
    config = org_config()
    for key, value in change.items():
        config[f"{PROJECT}:{key}"] = value
    text = str(run_config(config).error)
    assert f"  - {path}: got " in text, text
    assert rule in text


@pytest.mark.parametrize("key", ["target_vault_name", "air_gapped_target"])
def test_rule_targets_are_refused_in_the_organization_stack(run_config, key):
    config = org_config()
    value: Any = (
        "Default"
        if key == "target_vault_name"
        else {"vault_arn": "arn:aws:backup:us-east-1:333333333333:backup-vault:air-gapped"}
    )
    config[f"{PROJECT}:plans"][1]["rules"][0][key] = value
    text = str(run_config(config).error)
    assert (
        f'  - plans[1].rules[0].{key}: got "..."; the organization\'s backup policies write every rule to the '
        "StackSet's vault" in text
    ), text
