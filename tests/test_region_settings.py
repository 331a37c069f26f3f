"""Region settings: only when asked for, only the resource types named, and never an opt-out that would
silently empty the stack's own tag selections."""

from __future__ import annotations

import pulumi
import pytest
from conftest import PROJECT, seed_config
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
        "plans ['windows-weekly-ec2-vss-us-east-1'] select Windows instances by tag, and tag selections skip",
        "set EC2: true, or select the instances by ARN",
    )


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
        (
            {"opt_in": {"EC2": True}, "full_management": {"EC2": True}},
            "region_settings.full_management",
            '{"EC2": true}',
            "AWS Backup does not fully manage EC2 backups",
        ),
        (
            {"opt_in": {"EC2": True}, "full_management": {"EBS": True}},
            "region_settings.full_management",
            '{"EBS": true}',
            "AWS Backup does not fully manage EBS backups",
        ),
        ({"opt_in": {"EC2/EBS": True}}, "region_settings.opt_in", '{"EC2/EBS": true}', "is not a resource type name"),
        ({"opt_in": {"EC2": "yes"}}, "region_settings.opt_in.EC2", '"yes"', "input should be a valid boolean"),
    ],
    ids=["empty", "ec2-managed", "ebs-managed", "slash", "not-bool"],
)
def test_rules(run_config, settings, path, shown, rule):
    rejected_with(run_config(seed_config(region_settings=settings)), path, shown, rule, "")


def test_the_archive_stack_holds_no_region_settings(run_config):
    archive = {
        "aws:region": "us-east-1",
        f"{PROJECT}:archive_vault": {
            "name": "windows-server-archive",
            "source_account_ids": ["111111111111"],
            "min_retention_days": 30,
            "max_retention_days": 3650,
        },
        f"{PROJECT}:region_settings": {"opt_in": {"EC2": True}},
    }
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


def test_the_component_lists_every_problem(run_components):
    run = run_components(lambda: BackupRegionSettings("r", {"opt_in": {}, "full_management": {"FSx": True}}))
    assert isinstance(run.error, pulumi.RunError)
    assert [line.split(":", 1)[0] for line in str(run.error).splitlines()] == [
        "BackupRegionSettings 'r' has invalid arguments",
        "  - full_management",
        "  - opt_in",
    ]
