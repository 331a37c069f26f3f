"""The offline engine records what compare and the reviews rely on (aliases, providers, regions), and runs
another team's program with resources of its own when asked to."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from components import BackupPlan, BackupSelection, BackupServiceRole, BackupVault
from components.presets import weekly_windows_rule
from offline import OfflineMockError, OfflineRun, StackSettings, run_program
from offline.__main__ import main

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def test_aliases_are_recorded_as_full_urns(run_components):
    def program():
        BackupVault(
            "renamed",
            {"name": "my-vault", "kms_key_arn": KEY_ARN, "deny_deletions": False},
            pulumi.ResourceOptions(aliases=[pulumi.Alias(name="original")]),
        )

    run = run_components(program)
    component = run.named("windows-server-backup:index:BackupVault", "renamed")
    # The old URN is the new one with the old name: same type chain, same parent.
    assert component.urn.endswith("windows-server-backup:index:BackupVault::renamed")
    assert component.aliases == [component.urn.removesuffix("::renamed") + "::original"]
    assert run.named("aws:backup/vault:Vault", "renamed").aliases == []


def test_a_registration_without_aliases_has_none(run_components):
    run = run_components(lambda: BackupVault("v", {"name": "v-vault", "kms_key_arn": KEY_ARN}))
    assert all(r.aliases == [] for r in run.registrations)


# --- a consumer's own resources: --allow-unknown-types ------------------------------------------

STAND_IN = (
    "aws:ebs/volume:Volume (data-a, data-b): no offline mock, so its outputs are its inputs and its ID is made up; "
    "anything AWS would compute (an ARN, an attribute) is missing or a stand-in"
)
LOOKUP_STAND_IN = "lookup aws:ec2/getAmi:getAmi: no offline mock, so its result is its own arguments"


def consumer_program():
    """Another team's program: tagged volumes of its own, an AMI lookup, and the components."""
    ami = aws.ec2.get_ami(owners=["amazon"], most_recent=True)
    volumes = [
        aws.ebs.Volume(name, availability_zone="eu-west-1a", size=100, tags={"backup": "weekly"})
        for name in ("data-a", "data-b")
    ]
    vault = BackupVault("v", {"name": "v-vault", "kms_key_arn": KEY_ARN})
    role = BackupServiceRole("r", {})
    plan = BackupPlan("p", {"name": "p", "vault_name": vault.name, "rules": [weekly_windows_rule()]})
    BackupSelection("s", {"name": "s", "plan_id": plan.id, "role_arn": role.arn, "tags": {"backup": "weekly"}})
    pulumi.export("owners", ami.owners)
    pulumi.export("volumes", [volume.id for volume in volumes])


def consumer_settings() -> StackSettings:
    return StackSettings("consumer", "test", {"aws:region": "eu-west-1"}, [], Path("<code>"))


def test_unknown_types_echo_their_inputs_with_one_warning_per_type_when_allowed():
    run = run_program(consumer_program, consumer_settings(), allow_unknown_types=True)
    assert run.error is None
    assert run.warnings == [STAND_IN, LOOKUP_STAND_IN]
    volume = run.named("aws:ebs/volume:Volume", "data-a")
    inputs = {"availabilityZone": "eu-west-1a", "size": 100.0, "tags": {"backup": "weekly"}}
    assert (volume.inputs, volume.outputs) == (inputs, inputs)
    ids = [run.named("aws:ebs/volume:Volume", name).id for name in ("data-a", "data-b")]
    assert [i.rsplit("-", 1)[0] for i in ids] == ["data-a", "data-b"]
    assert run.outputs["volumes"] == ids
    assert sorted((r.type, r.name) for r in run.resources if r.custom) == [
        ("aws:backup/plan:Plan", "p"),
        ("aws:backup/selection:Selection", "s"),
        ("aws:backup/vault:Vault", "v"),
        ("aws:backup/vaultPolicy:VaultPolicy", "v-policy"),
        ("aws:ebs/volume:Volume", "data-a"),
        ("aws:ebs/volume:Volume", "data-b"),
        ("aws:iam/role:Role", "r"),
        ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "r-policies"),
    ]
    assert [(i.token, i.args) for i in run.invocations if i.token == "aws:ec2/getAmi:getAmi"] == [
        ("aws:ec2/getAmi:getAmi", {"owners": ["amazon"], "mostRecent": True})
    ]
    assert run.outputs["owners"] == ["amazon"]


def test_unknown_types_still_stop_the_run_by_default():
    with pytest.raises(OfflineMockError, match=r"no mock for lookup 'aws:ec2/getAmi:getAmi'.*--allow-unknown-types"):
        run_program(consumer_program, consumer_settings())


CONSUMER_MAIN = """
import pulumi_aws as aws
from components import BackupVault
BackupVault("v", {"name": "v-vault"})
aws.ebs.Volume("data-a", availability_zone="eu-west-1a", size=100)
aws.ebs.Volume("data-b", availability_zone="eu-west-1a", size=100)
"""


def test_the_command_line_flag(capsys, tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: consumer\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text(CONSUMER_MAIN)
    assert main(["test", "--project-dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        "error: test: the offline engine has no mock for resource type 'aws:ebs/volume:Volume' (data-"
    )
    assert err.endswith(
        "add one to offline/engine.py, or run with --allow-unknown-types to give it its inputs as outputs\n"
    )

    assert main(["test", "--project-dir", str(tmp_path), "--allow-unknown-types"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count(STAND_IN) == 1
    assert out.endswith(f"Warnings:\n  - {STAND_IN}\n")


def test_a_resource_lands_in_its_own_region_and_its_providers_account(run_components):
    """pulumi-aws 7's per-resource ``region``: the resource's own region, its provider's account."""

    def program():
        pinned = aws.Provider("pinned", region="us-east-1", allowed_account_ids=["111111111111"])
        BackupVault("v", {"name": "copies", "region": "ap-southeast-2"}, pulumi.ResourceOptions(provider=pinned))
        BackupServiceRole("r", {})

    run = run_components(program)
    assert run.error is None, run.error
    vault = run.named("aws:backup/vault:Vault", "v")
    assert vault.outputs["arn"] == "arn:aws:backup:ap-southeast-2:111111111111:backup-vault:copies"
    assert vault.outputs["region"] == "ap-southeast-2"
    [key_lookup] = [i for i in run.invocations if i.token == "aws:kms/getKey:getKey"]
    assert key_lookup.args["region"] == "ap-southeast-2"
    assert vault.inputs["kmsKeyArn"].startswith("arn:aws:kms:ap-southeast-2:111111111111:key/")
    # Regional resources always have a region (set or computed); IAM is global and has none.
    assert run.named("aws:backup/vaultPolicy:VaultPolicy", "v-policy").outputs["region"] == "ap-southeast-2"
    assert "region" not in run.named("aws:iam/role:Role", "r").outputs


# --- the run's event loops ---------------------------------------------------------------------------


def open_loops() -> set[int]:
    """The event loops alive and not closed, by id (the garbage collector tracks every loop)."""
    return {id(o) for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and not o.is_closed()}


@pytest.mark.parametrize("allowed", [False, True], ids=["failed run", "finished run"])
def test_a_run_leaves_no_event_loop_open_for_the_garbage_collector_to_close(allowed: bool):
    # An open loop is closed later by the collector, which prints "Exception ignored in:
    # BaseEventLoop.__del__ ... Invalid file descriptor: -1" when its sockets went first. A failed
    # run's exception keeps the loops of the worker threads alive: keep it, as the CLI does.
    before = open_loops()
    try:
        run = run_program(consumer_program, consumer_settings(), allow_unknown_types=allowed)
        kept: object = run
    except OfflineMockError as error:
        kept = error
    assert isinstance(kept, OfflineRun if allowed else OfflineMockError)
    assert open_loops() - before == set()
