"""Region settings: only when asked for, only the resource types named, and never an opt-out that would
silently empty the stack's own tag selections."""

from __future__ import annotations

import pulumi
import pytest
from conftest import PROJECT, fixture_config, seed_config
from contract import invalid_requests, translate
from test_restore_testing import built, rejected_with

from components import BackupRegionSettings
from components.region_settings import KNOWN_RESOURCE_TYPES

SETTINGS = "aws:backup/regionSettings:RegionSettings"
COMPONENT = "windows-server-backup:index:BackupRegionSettings"


def test_no_stack_touches_region_settings_unless_asked(fixture_run):
    for stack in ("seed", "prod-east", "prod-west", "archive"):
        assert fixture_run(stack).of_type(SETTINGS) == []


def test_only_the_named_types_are_sent(run_config):
    settings = {"opt_in": {"EC2": True, "EBS": True}, "full_management": {"DynamoDB": True}}
    run = built(run_config(seed_config(region_settings=settings)))
    [resource] = run.of_type(SETTINGS)
    assert resource.name == "backup-region-settings"
    assert resource.inputs == {
        "resourceTypeOptInPreference": {"EC2": True, "EBS": True},
        "resourceTypeManagementPreference": {"DynamoDB": True},
    }
    [component] = run.of_type(COMPONENT)
    assert resource.parent == component.urn
    assert run.by_urn(component.parent).name == "backup"
    [request] = [r for r in translate(run) if r.operation == "UpdateRegionSettings"]
    assert request.params == {
        "ResourceTypeOptInPreference": {"EC2": True, "EBS": True},
        "ResourceTypeManagementPreference": {"DynamoDB": True},
    }
    assert invalid_requests([request]) == {}


def test_a_stack_of_region_settings_alone(run_config):
    run = built(run_config({"aws:region": "eu-west-1", f"{PROJECT}:region_settings": {"opt_in": {"EC2": True}}}))
    assert sorted(r.type for r in run.resources if r.custom) == [SETTINGS]
    assert run.outputs == {"region": "eu-west-1", "plans": {}, "three_two_one": "{}"}


def test_opting_ec2_out_under_a_vss_plan_that_selects_by_tag_is_refused(run_config):
    rejected_with(
        run_config(seed_config(region_settings={"opt_in": {"EC2": False}})),
        "region_settings.opt_in.EC2",
        "false",
        "plans ['windows-weekly-ec2-vss-us-east-1'] select Windows instances by tag, and tag selections skip "
        "resource types that are not opted in, so they would back up nothing",
        "set EC2: true, or select them by ARN (resources: ['arn:aws:ec2:*:*:instance/*'] with the tag under "
        "conditions)",
    )


def test_opting_ebs_out_under_plans_that_select_by_tag_warns(run_config):
    """A tag reaching volumes is an assumption (any tagged resource is selected): a warning, not an error. The
    VSS plan's instances are not volumes, so only the volume plan is named."""
    run = built(run_config(seed_config(region_settings={"opt_in": {"EBS": False}})))
    assert run.warnings == [
        "region_settings.opt_in.EBS: plans ['weekly-ebs-us-east-1'] select by tag, and tag selections skip resource "
        "types that are not opted in: EBS volumes carrying their tags would not be backed up. Fix: set EBS: true, or "
        "select them by ARN (resources: ['arn:aws:ec2:*:*:volume/*'] with the tag under conditions)."
    ]


def test_a_type_named_by_arn_with_the_tag_under_conditions_ignores_the_opt_in(run_config):
    plans = seed_config()[f"{PROJECT}:plans"]
    plans[1]["selections"] = [
        {"resources": ["arn:aws:ec2:*:*:volume/*"], "conditions": {"string_equals": {"alk:backup": "weekly-ebs"}}}
    ]
    run = built(run_config(seed_config(plans=plans, region_settings={"opt_in": {"EBS": False, "S3": False}})))
    assert run.warnings == []


def test_types_the_plans_do_not_reach_may_be_off(run_config):
    run = built(run_config(seed_config(region_settings={"opt_in": {"EC2": True, "EBS": True, "FSx": False}})))
    assert run.warnings == []


def test_opting_ec2_out_is_fine_when_instances_are_selected_by_arn(run_config):
    plans = [
        {
            "name": "windows-weekly",
            "windows_vss": True,
            "rules": [{"schedule": "cron(0 18 ? * SUN *)", "delete_after_days": 30}],
            "selections": [{"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"]}],
        }
    ]
    built(run_config(seed_config(plans=plans, vss_instances=None, region_settings={"opt_in": {"EC2": False}})))


@pytest.mark.parametrize(
    ("settings", "path", "shown", "rule"),
    [
        ({"opt_in": {}}, "region_settings.opt_in", "{}", "should have at least 1 item"),
        ({"opt_in": {"EC2/EBS": True}}, "region_settings.opt_in", '{"EC2/EBS": true}', "is not a resource type name"),
        (
            {"opt_in": {"EC2": True, "EC2/EBS": True, "": False, "Storage Gateway": True}},
            "region_settings.opt_in",
            '{"": false, "EC2": true',
            "'', 'EC2/EBS' are not resource type names",
        ),
        ({"opt_in": {"EC2": True}, "full_management": {"S3*": True}}, "region_settings.full_management", '{"S3*"', ""),
        ({"opt_in": {"EC2": "yes"}}, "region_settings.opt_in.EC2", '"yes"', "input should be a valid boolean"),
    ],
    ids=["empty", "slash", "every-name-at-once", "managed-name", "not-bool"],
)
def test_rules(run_config, settings, path, shown, rule):
    rejected_with(run_config(seed_config(region_settings=settings)), path, shown, rule, "")


def test_the_archive_stack_holds_no_region_settings(run_config):
    archive = fixture_config("archive", region_settings={"opt_in": {"EC2": True}})
    rejected_with(run_config(archive), "region_settings", '"..."', "the archive stack only holds the archive vault", "")


def test_types_aws_documents_with_spaces_are_names(run_components):
    run = run_components(
        lambda: BackupRegionSettings("r", {"opt_in": {"Storage Gateway": False, "SAP HANA on Amazon EC2": False}})
    )
    assert run.error is None, run.error
    assert run.warnings == []


def test_an_unknown_type_warns(run_components):
    run = run_components(lambda: BackupRegionSettings("r", {"opt_in": {"EC2": True, "Quantum": True}}))
    assert run.error is None, run.error
    assert run.warnings == [
        "BackupRegionSettings 'r': ['Quantum'] are not resource types AWS Backup reported when this program was "
        "written; a region that does not know a type refuses the whole update"
    ]
    assert "EC2" in KNOWN_RESOURCE_TYPES


@pytest.mark.parametrize("managed", ["EC2", "EBS", "Aurora", "FSx", "RDS", "DocumentDB", "Neptune", "Storage Gateway"])
def test_full_management_of_a_type_aws_backup_is_not_known_to_fully_manage_warns(run_config, managed):
    """Only inferred for some of them (the guide's full-management column was not read): a warning."""
    run = built(run_config(seed_config(region_settings={"opt_in": {"EC2": True}, "full_management": {managed: True}})))
    assert run.warnings == [
        f"BackupRegionSettings 'backup-region-settings': full_management: AWS Backup is not known to fully manage "
        f"{managed} backups (its guide, Logically air-gapped vault, names EBS, EC2, Aurora and FSx among the types "
        "it does not; Feature availability by resource lists which it does), so AWS Backup may refuse the whole "
        "update; their opt_in is what makes tag selections protect them"
    ]


def test_full_management_of_dynamodb_or_turning_it_off_is_not_warned(run_config):
    settings = {"opt_in": {"EC2": True}, "full_management": {"DynamoDB": True, "EFS": True, "EBS": False}}
    assert built(run_config(seed_config(region_settings=settings))).warnings == []


def test_the_component_lists_every_problem(run_components):
    run = run_components(lambda: BackupRegionSettings("r", {"opt_in": {}, "full_management": {"FSx/": True}}))
    assert isinstance(run.error, pulumi.RunError)
    assert [line.split(":", 1)[0] for line in str(run.error).splitlines()] == [
        "BackupRegionSettings 'r' has invalid arguments",
        "  - full_management",
        "  - opt_in",
    ]
