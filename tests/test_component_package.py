"""The component package: a schema other languages can use, documented, and the YAML example fits it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider

from components import PACKAGE_COMPONENTS

PROJECT_DIR = Path(__file__).resolve().parent.parent
PREFIX = "windows-server-backup:index:"


@pytest.fixture(scope="module")
def schema() -> dict:
    """The schema the Python SDK's component provider host serves for ``provider/``."""
    served = ComponentProvider(PACKAGE_COMPONENTS, "windows-server-backup", None, "0.1.0").schema
    assert served is not None
    return json.loads(served)


def test_every_component_is_in_the_package(schema):
    assert set(schema["resources"]) == {PREFIX + component.__name__ for component in PACKAGE_COMPONENTS}
    assert all(resource["isComponent"] for resource in schema["resources"].values())


@pytest.mark.parametrize("component", PACKAGE_COMPONENTS, ids=lambda c: c.__name__)
def test_inputs_and_outputs_are_present_and_documented(schema, component):
    resource = schema["resources"][PREFIX + component.__name__]
    assert resource["description"].strip()
    inputs, outputs = resource["inputProperties"], resource["properties"]
    assert inputs and outputs
    for kind, properties in (("input", inputs), ("output", outputs)):
        for name, prop in properties.items():
            assert prop.get("description", "").strip(), f"{component.__name__} {kind} {name} has no description"


def test_required_inputs_match_the_python_arguments(schema):
    required = {name: set(resource.get("requiredInputs", [])) for name, resource in schema["resources"].items()}
    assert required[PREFIX + "BackupVault"] == {"name"}
    assert required[PREFIX + "BackupPlan"] == {"name", "vaultName", "rules"}
    assert required[PREFIX + "BackupSelection"] == {"name", "planId", "roleArn"}
    assert required[PREFIX + "BackupServiceRole"] == set()
    assert required[PREFIX + "ArchiveVault"] == {"vaultName", "region", "minRetentionDays", "maxRetentionDays"}
    # A stack may be a vault alone, or an audit or region settings alone (no vault, no plans).
    assert required[PREFIX + "WindowsServerBackup"] == {"region"}


def test_the_whole_stack_component_takes_plain_values_only(schema):
    """Copy B is placed by region, not by a provider object, so other languages can build a whole stack."""
    resource = schema["resources"][PREFIX + "WindowsServerBackup"]
    copy_b = schema["types"][PREFIX + "CrossRegionSpec"]["properties"]
    assert "provider" not in copy_b
    assert copy_b["region"]["type"] == "string"
    assert set(schema["types"][PREFIX + "CrossRegionSpec"]["required"]) == {"region"}
    assert resource["inputProperties"]["crossRegion"]["$ref"] == f"#/types/{PREFIX}CrossRegionSpec"
    assert resource["inputProperties"]["plans"]["items"]["$ref"] == f"#/types/{PREFIX}PlanSpec"
    restore_testing = schema["types"][PREFIX + "RestoreTestingSpec"]["properties"]
    assert restore_testing["algorithm"]["type"] == "string"
    assert set(resource["properties"]) == {
        "vaultName",
        "vaultArn",
        "roleArn",
        "crossRegionVaultArn",
        "planIds",
        "planArns",
        "notificationTopicArn",
        "vssInstanceProfileName",
        "restoreTestingPlanName",
        "restoreTestingRoleArn",
        "auditFrameworkArn",
        "auditReportBucket",
        "threeTwoOne",
    }
    # A stack without a vault has no vault outputs, and one without plans no role.
    assert set(resource["required"]) == {"planIds", "planArns", "threeTwoOne"}


def test_types_of_nested_arguments_are_documented(schema):
    rule = schema["types"][PREFIX + "BackupRuleArgs"]["properties"]
    assert {"name", "schedule", "deleteAfterDays", "copyActions", "startWindowMinutes"} <= set(rule)
    assert "Default: 60" in rule["startWindowMinutes"]["description"]


def test_plugin_runs_on_the_python_host():
    plugin = yaml.safe_load((PROJECT_DIR / "provider" / "PulumiPlugin.yaml").read_text())
    assert plugin["runtime"]["name"] == "python"
    assert (PROJECT_DIR / "provider" / "requirements.txt").read_text().splitlines()[-1] == "../"


def test_the_yaml_example_uses_only_what_the_schema_offers(schema):
    program = yaml.safe_load((PROJECT_DIR / "examples" / "yaml-consumer" / "Pulumi.yaml").read_text())
    assert program["runtime"] == "yaml"
    for name, resource in program["resources"].items():
        declared = schema["resources"][resource["type"]]
        given = set(resource.get("properties", {}))
        assert given <= set(declared["inputProperties"]), name
        assert set(declared.get("requiredInputs", [])) <= given, name
