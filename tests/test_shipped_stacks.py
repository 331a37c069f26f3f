"""Every shipped ``Pulumi.<stack>.yaml`` holds what must hold for any valid stack of this program.

The shipped stack files are the user's: they edit them for their accounts and regions, add
regions and environments, and remove ours. So this test finds the stack files at collection
time and asserts nothing about their values, only the program's invariants:

- the stack runs offline with no error (a config problem fails here, with the program's message);
- a stack of plans, a vault or an archive vault keeps a vault (its own, or the ones its StackSet
  creates); a stack of ``audit`` or ``region_settings`` alone keeps none;
- every vault the stack has is protected and never force-destroyed, and so is every KMS key that
  encrypts one; the vaults and keys a StackSet creates in member accounts are retained
  (``DeletionPolicy`` and ``UpdateReplacePolicy: Retain``);
- every backup policy is valid against AWS's syntax and limits, and names only vaults and roles its
  StackSets create in the regions it backs up (the organization stack);
- the stack file holds no credential;
- every rule that copies both to another region and to another account keeps at least three
  copies in distinct vaults, at least one of them outside the stack's region and account;
- the 3-2-1 verdict never counts an EC2 recovery point (an AMI) as cold, and a plan passes only
  when a registered lifecycle really moves what it selects to cold storage (EBS volumes, opted in
  to the archive tier: AWS Backup moves nothing else this program backs up);
- the stack's own vault and plans are named for ``aws:region`` when their names name a region,
  and every resource of the default provider lands in ``aws:region``, or in the region it names itself
  (pulumi-aws 7's per-resource ``region``, as copy B's do);
- every AWS request the stack leads to is one AWS's API model accepts.

The example stacks (``examples/<scenario>``) are held to the same invariants: they are the stacks
users copy to the top of the repository to start from.

Behaviour (exact resources, inputs, names) is pinned on the fixtures in ``tests/stacks`` instead.
"""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import KEEPS_RECOVERY_POINTS, PROJECT_DIR, shipped_run, stack_sections, stack_set_resources
from contract import invalid_requests, translate
from org_registrations import backup_policies, disagreements
from test_examples import STACKS as EXAMPLE_STACKS
from test_examples import example
from test_no_credentials import find_credentials, plaintext_stack_credentials

from components import rules
from components.org_policy_syntax import policy_problems
from offline import OfflineRun, stack_names

SHIPPED = stack_names(PROJECT_DIR)
#: Types whose deletion or replacement loses recovery points.
VAULT_TYPES = (
    "aws:backup/vault:Vault",
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
)


#: Every stack held to the invariants: the shipped ones, then the examples' (``examples/<scenario>/<stack>``).
STACKS = SHIPPED + [f"examples/{scenario}/{stack}" for scenario, stack in EXAMPLE_STACKS]


@pytest.fixture(params=STACKS)
def shipped(request: pytest.FixtureRequest) -> OfflineRun:
    if request.param in SHIPPED:
        run = shipped_run(request.param)
    else:
        _, scenario, stack = request.param.split("/")
        run = example(scenario, stack)
    assert run.error is None, f"{request.param} does not run offline:\n{run.error}"
    return run


def test_the_repository_ships_stack_files():
    assert SHIPPED, "no Pulumi.<stack>.yaml at the top of the repository"


def test_vaults_and_the_keys_that_encrypt_them_are_protected(shipped: OfflineRun):
    vaults = [r for r in shipped.resources if r.type in VAULT_TYPES]
    # The organization stack keeps no vault of its own: its StackSet creates them in the member accounts.
    member_data = stack_set_resources(shipped, "AWS::Backup::BackupVault", "AWS::KMS::Key")
    # A stack of audit or region settings alone keeps no recovery point, so no vault.
    if stack_sections(shipped) & set(KEEPS_RECOVERY_POINTS):
        assert vaults or member_data, "the stack keeps no vault and has no StackSet that creates one"
    for logical_id, resource in member_data.items():
        assert resource.get("DeletionPolicy") == "Retain", f"{logical_id} is deleted with its member stack"
        assert resource.get("UpdateReplacePolicy") == "Retain", f"{logical_id} is deleted when replaced"
    for vault in vaults:
        assert vault.protect, f"{vault.type} {vault.name} is not protected"
        assert vault.inputs.get("forceDestroy", False) is False, f"{vault.name} may be force-destroyed"
    vault_keys = {r.inputs.get("kmsKeyArn") for r in shipped.of_type("aws:backup/vault:Vault")}
    vault_keys |= {r.inputs.get("encryptionKeyArn") for r in shipped.of_type(VAULT_TYPES[1])}
    for key in shipped.of_type("aws:kms/key:Key"):
        if key.outputs["arn"] in vault_keys:
            assert key.protect, f"key {key.name} encrypts a vault but is not protected"


@pytest.mark.parametrize("stack", SHIPPED)
def test_the_stack_file_holds_no_credential(stack: str):
    path = PROJECT_DIR / f"Pulumi.{stack}.yaml"
    text = path.read_text(encoding="utf-8")
    assert find_credentials(text, path.name) == []
    assert plaintext_stack_credentials(yaml.safe_load(text), path.name) == []


def _home(run: OfflineRun) -> tuple[str, str]:
    return run.settings.config["aws:region"], run.account_id


def test_rules_copying_to_another_region_and_account_keep_three_copies_one_off_site(shipped: OfflineRun):
    region, account = _home(shipped)
    for plan in shipped.of_type("aws:backup/plan:Plan"):
        for rule in plan.inputs["rules"]:
            destinations = [
                rules.vault_arn_parts(copy["destinationVaultArn"]) for copy in rule.get("copyActions") or []
            ]
            other_region = any(dest_region != region for dest_region, _, _ in destinations)
            other_account = any(dest_account != account for _, dest_account, _ in destinations)
            if not (other_region and other_account):
                continue
            places = {(region, account, rule["targetVaultName"]), *destinations}
            off_site = [place for place in places if place[:2] != (region, account)]
            assert len(places) >= 3, f"{plan.name} rule {rule['ruleName']} keeps {len(places)} copies"
            assert off_site, f"{plan.name} rule {rule['ruleName']} keeps no copy off-site"


def test_the_verdict_counts_as_cold_only_what_aws_backup_moves(shipped: OfflineRun):
    verdicts = json.loads(shipped.outputs.get("three_two_one", "{}"))
    plans = {plan.inputs["name"]: plan for plan in shipped.of_type("aws:backup/plan:Plan")}
    if plans:  # a stack of this account's plans judges each of them (an organization's, its policies)
        assert set(verdicts) == set(plans)
    for name, judged in verdicts.items():
        for copy in judged["copies"]:
            assert "EC2" not in copy["cold_for"], f"{name}: an EC2 copy counted as cold"
            if "EC2" in judged["resource_types"]:
                assert copy["tier"] != "cold", f"{name}: a copy of a plan selecting EC2 counted as cold"
        if not judged["meets_3_2_1"]:
            continue
        assert judged["resource_types"] == ["EBS"], f"{name} passes with {judged['resource_types']}"
        if name not in plans:
            continue
        lifecycles = [
            lifecycle
            for rule in plans[name].inputs["rules"]
            for lifecycle in [
                rule.get("lifecycle") or {},
                *[c.get("lifecycle") or {} for c in rule.get("copyActions") or []],
            ]
        ]
        assert any(
            lifecycle.get("coldStorageAfter") and lifecycle.get("optInToArchiveForSupportedResources")
            for lifecycle in lifecycles
        ), f"{name} passes without a lifecycle that moves volumes to the archive tier"


def test_names_agree_with_the_stacks_region(shipped: OfflineRun):
    home, _ = _home(shipped)
    # Offline, resources of the stack's default provider carry no explicit provider reference.
    on_default = [r for r in shipped.resources if r.custom and not r.provider]
    for registration in on_default:
        lands_in = registration.inputs.get("region") or home
        arn = registration.outputs.get("arn")
        if isinstance(arn, str) and arn.split(":")[3]:
            assert arn.split(":")[3] == lands_in, (
                f"{registration.type} {registration.name} lands in {arn.split(':')[3]}"
            )
        # Names name the stack's region (copy B's vault says where its copies come from).
        if registration.type in ("aws:backup/vault:Vault", "aws:backup/plan:Plan", VAULT_TYPES[1]):
            mentioned = rules.regions_named_in(str(registration.inputs["name"]))
            assert set(mentioned) <= {home}, (
                f"{registration.type} {registration.inputs['name']!r} names {mentioned} in a stack of {home}"
            )


def test_backup_policies_are_valid_and_name_what_the_stack_sets_create(shipped: OfflineRun):
    for name, document in backup_policies(shipped).items():
        assert policy_problems(document) == [], name
    assert disagreements(shipped) == []


def test_every_request_is_one_aws_accepts(shipped: OfflineRun):
    assert invalid_requests(translate(shipped)) == {}
