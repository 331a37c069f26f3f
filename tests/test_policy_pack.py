"""The policy pack in policy/: every stack passes it, and each policy rejects what it must.

Three layers, all calling the same code:
- the plain policy functions (policy/backup_policies.py) on every resource each stack's offline
  run registers, and on deliberately bad resources;
- the pulumi-policy adapter (policy/backup_policy_pack.py) with pulumi-policy's own argument
  objects, including values unknown during a preview;
- the pack itself, started the way the Pulumi CLI starts a Python policy pack
  (``python -m pulumi.policy``) and driven over its gRPC Analyzer interface.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from conftest import FIXTURES_DIR, PROJECT, seed_config
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from offline import OfflineRun, Registration, stack_names

PROJECT_DIR = Path(__file__).resolve().parent.parent
POLICY_DIR = PROJECT_DIR / "policy"
# The pack's modules are top-level modules of its folder (the CLI runs the folder as a program).
sys.path.insert(0, str(POLICY_DIR))

import backup_policies as bp  # noqa: E402
import backup_policy_pack as pack  # noqa: E402

STACKS = stack_names(FIXTURES_DIR)
RESOURCE_POLICY_NAMES = list(bp.RESOURCE_POLICIES)
STACK_POLICY_NAMES = list(bp.STACK_POLICIES)
ALL_POLICY_NAMES = [*RESOURCE_POLICY_NAMES, *STACK_POLICY_NAMES]
OFF_REGION = "production-copies-off-region"
ORG_ID = "o-a1b2c3d4e5"
ACCOUNT = "123456789012"


# --- Registrations as the policies see them -------------------------------------------------


def region_of(run: OfflineRun, registration: Registration) -> str:
    """Where a registration lives, as the pack reads it: its own ``region`` (pulumi-aws 7 computes one
    for every regional resource), else its explicit provider's, else the stack's."""
    if registration.outputs.get("region"):
        return str(registration.outputs["region"])
    for provider in run.registrations:
        is_its_provider = f"{provider.urn}::{provider.id}" == registration.provider
        if provider.type.startswith("pulumi:providers:") and is_its_provider and provider.inputs.get("region"):
            return str(provider.inputs["region"])
    return run.settings.config.get("aws:region", "")


def aws_resources(run: OfflineRun) -> list[Registration]:
    """The custom resources other than providers: what the Pulumi engine hands a policy pack."""
    return [r for r in run.resources if r.custom and not r.type.startswith("pulumi:providers:")]


def stack_resources(run: OfflineRun) -> list[bp.Resource]:
    """What a stack policy sees after an update: every resource with its outputs."""
    return [bp.Resource(r.type, r.outputs, r.protect, r.urn, region_of(run, r)) for r in aws_resources(run)]


@pytest.fixture
def ran(fixture_run) -> Callable[[str], OfflineRun]:
    def run(stack: str) -> OfflineRun:
        result = fixture_run(stack)
        assert result.error is None, f"{stack}: {result.error}"
        return result

    return run


# --- Every stack of the repository passes every policy --------------------------------------


def test_there_are_stacks_to_check():
    assert "seed" in STACKS


@pytest.mark.parametrize("stack", [s for s in STACKS if s != "org"])
def test_stack_has_what_the_policies_inspect(ran, stack):
    """Every stack keeps backups in at least one vault (the archive stack has no plan of its own; the
    organization stack has neither: its StackSet creates the vaults in the member accounts)."""
    types = {r.type for r in aws_resources(ran(stack))}
    assert types & set(bp.VAULT_TYPES), f"{stack} registers no vault: {sorted(types)}"


@pytest.mark.parametrize("policy", RESOURCE_POLICY_NAMES)
@pytest.mark.parametrize("stack", STACKS)
def test_stack_passes_resource_policy(ran, stack, policy):
    _, check = bp.RESOURCE_POLICIES[policy]
    violations = {
        f"{r.type}::{r.name}": messages
        for r in aws_resources(ran(stack))
        if (messages := check(r.type, r.inputs, r.protect, stack))
    }
    assert violations == {}, f"stack {stack} fails {policy}"


@pytest.mark.parametrize("policy", STACK_POLICY_NAMES)
@pytest.mark.parametrize("stack", STACKS)
def test_stack_passes_stack_policy(ran, stack, policy):
    _, check = bp.STACK_POLICIES[policy]
    assert check(stack_resources(ran(stack)), stack) == [], f"stack {stack} fails {policy}"


def test_some_stack_encrypts_a_vault_with_its_own_key(ran):
    """Not vacuous: vault-keys-protected meets at least one real vault key in the stacks."""
    matched = []
    for stack in STACKS:
        resources = stack_resources(ran(stack))
        keys = {r.props["arn"] for r in resources if r.type == bp.KMS_KEY}
        matched += [stack for r in resources if r.type == bp.VAULT and r.props["kmsKeyArn"] in keys]
    assert matched, "no stack creates the KMS key of one of its vaults"


@pytest.mark.parametrize("stack", [s for s in STACKS if bp.is_production(s)])
def test_production_stack_copies_every_rule_to_another_region(ran, stack):
    """Not vacuous for production stacks: every rule has a copy whose ARN names another region."""
    run = ran(stack)
    plans = [r for r in aws_resources(run) if r.type == bp.PLAN]
    assert plans, f"production stack {stack} registers no plan"
    for plan in plans:
        home = bp.arn_region(plan.outputs["arn"])
        for rule in plan.inputs["rules"]:
            regions = {bp.arn_region(c["destinationVaultArn"]) for c in rule.get("copyActions") or []}
            assert regions - {home}, f"{plan.name} rule {rule['ruleName']} copies only within {home}"


# --- backup-vault-encrypted -----------------------------------------------------------------

KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize("props", [{"name": "v"}, {"name": "v", "kmsKeyArn": ""}, {"name": "v", "kmsKeyArn": None}])
def test_vault_without_key_is_rejected(props):
    assert bp.vault_encrypted(bp.VAULT, props, True, "dev") == [
        "vault 'v' has no kmsKeyArn: set the KMS key that encrypts its recovery points (the aws/backup "
        "key's ARN at least, a customer-managed key for copies to other accounts)."
    ]


@pytest.mark.parametrize("key", [KEY_ARN, bp.UNKNOWN])
def test_vault_with_key_or_key_unknown_in_preview_passes(key):
    assert bp.vault_encrypted(bp.VAULT, {"name": "v", "kmsKeyArn": key}, True, "dev") == []


def test_vault_policy_ignores_other_types():
    assert bp.vault_encrypted(bp.PLAN, {"name": "v"}, True, "dev") == []


# --- backup-rule-has-retention ----------------------------------------------------------------


def _rule(name: str, **extra: Any) -> dict[str, Any]:
    return {"ruleName": name, "schedule": "cron(0 18 ? * SUN *)", "targetVaultName": "v", **extra}


@pytest.mark.parametrize(
    "rule",
    [
        _rule("r"),
        _rule("r", lifecycle=None),
        _rule("r", lifecycle={}),
        _rule("r", lifecycle={"coldStorageAfter": 30}),
        _rule("r", lifecycle={"deleteAfter": 0}),
        _rule("r", lifecycle={"deleteAfter": None}),
    ],
)
def test_rule_without_retention_is_rejected(rule):
    assert bp.rules_have_retention(bp.PLAN, {"name": "p", "rules": [rule]}, False, "dev") == [
        "plan 'p' rule 'r' has no lifecycle.deleteAfter: set how many days its recovery points are "
        "kept (delete_after_days)."
    ]


def test_only_the_rule_without_retention_is_named():
    rules = [_rule("kept", lifecycle={"deleteAfter": 30.0}), _rule("forever")]
    messages = bp.rules_have_retention(bp.PLAN, {"name": "p", "rules": rules}, False, "dev")
    assert len(messages) == 1 and "'forever'" in messages[0]


@pytest.mark.parametrize(
    "lifecycle", [{"deleteAfter": 1}, {"deleteAfter": 30.0}, bp.UNKNOWN, {"deleteAfter": bp.UNKNOWN}]
)
def test_rule_with_retention_or_unknown_in_preview_passes(lifecycle):
    assert (
        bp.rules_have_retention(bp.PLAN, {"name": "p", "rules": [_rule("r", lifecycle=lifecycle)]}, False, "dev") == []
    )


# --- windows-plan-uses-vss ------------------------------------------------------------------

VSS_ON = [{"resourceType": "EC2", "backupOptions": {"WindowsVSS": "enabled"}}]


@pytest.mark.parametrize(
    "settings",
    [
        None,
        [],
        [{"resourceType": "EC2", "backupOptions": {"WindowsVSS": "disabled"}}],
        [{"resourceType": "EBS", "backupOptions": {"WindowsVSS": "enabled"}}],
        [{"resourceType": "EC2", "backupOptions": {}}],
    ],
)
@pytest.mark.parametrize("name", ["windows-weekly", "Prod-WINDOWS-daily"])
def test_windows_plan_without_vss_is_rejected(name, settings):
    props = {"name": name, "rules": [], "advancedBackupSettings": settings}
    assert bp.windows_plans_use_vss(bp.PLAN, props, False, "dev") == [
        f"plan {name!r} is for Windows but does not enable Windows VSS for EC2: add the advanced backup "
        'setting resource_type "EC2", backup_options {"WindowsVSS": "enabled"} (windows_vss: true).'
    ]


@pytest.mark.parametrize(
    "props",
    [
        {"name": "windows-weekly", "advancedBackupSettings": VSS_ON},
        {"name": "weekly-ebs"},  # not a Windows plan: VSS is not required
        {"name": "windows-weekly", "advancedBackupSettings": bp.UNKNOWN},
    ],
)
def test_vss_plan_non_windows_plan_or_unknown_passes(props):
    assert bp.windows_plans_use_vss(bp.PLAN, props, False, "dev") == []


# --- backup-vault-protected -----------------------------------------------------------------

UNPROTECTED = (
    "vault 'v' is not protected: register it with ResourceOptions(protect=True) so that no destroy "
    "or replacement can delete it."
)


@pytest.mark.parametrize("type_", [bp.VAULT, bp.AIR_GAPPED_VAULT])
def test_unprotected_vault_is_rejected(type_):
    assert bp.vault_protected(type_, {"name": "v", "kmsKeyArn": KEY_ARN}, False, "dev") == [UNPROTECTED]


def test_protected_vault_and_unprotected_plan_or_key_pass():
    assert bp.vault_protected(bp.VAULT, {"name": "v"}, True, "dev") == []
    assert bp.vault_protected(bp.PLAN, {"name": "p"}, False, "dev") == []
    assert bp.vault_protected(bp.KMS_KEY, {}, False, "dev") == []  # keys: see vault-keys-protected


# --- vault-keys-protected -------------------------------------------------------------------

OTHER_KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/99999999-12ab-34cd-56ef-1234567890ab"


def _key(arn: Any, protect: bool, name: str = "key") -> bp.Resource:
    return bp.Resource(bp.KMS_KEY, {"arn": arn, "enableKeyRotation": True}, protect, f"urn:{name}")


def _vault(key_arn: Any, type_: str = bp.VAULT) -> bp.Resource:
    return bp.Resource(type_, {"name": "v", bp.VAULT_KEY_PROPERTIES[type_]: key_arn}, True, "urn:vault")


@pytest.mark.parametrize("type_", [bp.VAULT, bp.AIR_GAPPED_VAULT])
def test_unprotected_key_of_a_vault_is_rejected(type_):
    resources = [_vault(KEY_ARN, type_), _key(KEY_ARN, False, "vault-key"), _key(OTHER_KEY_ARN, False, "topic-key")]
    assert bp.vault_keys_protected(resources, "dev") == [
        bp.Violation(
            f"KMS key {KEY_ARN} encrypts a backup vault but is not protected: register it with "
            "ResourceOptions(protect=True), or a destroy or replacement schedules its deletion and the "
            "recovery points it encrypts become unreadable.",
            "urn:vault-key",
        )
    ]


@pytest.mark.parametrize(
    "resources",
    [
        [_vault(KEY_ARN), _key(KEY_ARN, True)],
        [_vault(KEY_ARN), _key(OTHER_KEY_ARN, False)],  # a key with another job (SNS, say)
        [_vault(bp.UNKNOWN), _key(bp.UNKNOWN, False)],  # first preview: ARNs not known yet
        [_vault(KEY_ARN)],  # the key lives in another stack (or is AWS-managed)
    ],
)
def test_protected_vault_keys_other_keys_and_unknowns_pass(resources):
    assert bp.vault_keys_protected(resources, "dev") == []


# --- no-public-principal --------------------------------------------------------------------


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal: Any, condition: Any = None, sid: str = "S") -> dict[str, Any]:
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def no_condition(label: str = "'S'") -> str:
    return (
        f"statement {label} allows principal '*' with no Condition: anyone, in any account, gets these "
        "actions. Name the accounts, or add an aws:PrincipalOrgID / aws:PrincipalAccount / "
        "kms:CallerAccount condition."
    )


NO_CONDITION = no_condition()
WEAK_CONDITION = (
    "statement 'S' allows principal '*' and its Condition does not pin an organization or account: add "
    "aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount or kms:CallerAccount with StringEquals "
    "and concrete values."
)


@pytest.mark.parametrize("type_, what", [(bp.VAULT_POLICY, "vault access policy"), (bp.KMS_KEY, "KMS key policy")])
@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]}])
def test_wildcard_allow_without_condition_is_rejected(type_, what, principal):
    props = {"policy": _doc(_allow(principal))}
    assert bp.no_public_principal(type_, props, True, "dev") == [f"{what}: {NO_CONDITION}"]


@pytest.mark.parametrize(
    "condition",
    [
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},  # not an org or account
        {"StringNotEquals": {"aws:PrincipalOrgID": ORG_ID}},  # negation opens it up
        {"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID}},  # absent key passes
        {"StringLike": {"aws:PrincipalOrgID": "*"}},  # matches every organization
        {"StringLike": {"aws:PrincipalOrgID": "o-*"}},  # so does this
        {"StringLike": {"aws:PrincipalAccount": "1234*"}},  # and this, every account starting so
        {"StringEquals": {"aws:PrincipalOrgID": []}},
        {"Null": {"aws:PrincipalOrgID": "false"}},  # only says "has an org"
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": [f"{ORG_ID}/*"]}},  # true when absent
        {},
    ],
)
def test_wildcard_allow_with_a_condition_that_does_not_pin_org_or_account_is_rejected(condition):
    props = {"policy": _doc(_allow({"AWS": "*"}, condition))}
    assert bp.no_public_principal(bp.VAULT_POLICY, props, True, "dev") == [f"vault access policy: {WEAK_CONDITION}"]


def test_not_principal_allow_is_rejected():
    statement = {
        "Sid": "S",
        "Effect": "Allow",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert bp.no_public_principal(bp.KMS_KEY, {"policy": _doc(statement)}, True, "dev") == [
        "KMS key policy: statement 'S' allows with NotPrincipal, which grants to everyone not listed: "
        "name the principals in Principal instead."
    ]


def test_malformed_policy_is_rejected():
    assert bp.no_public_principal(bp.VAULT_POLICY, {"policy": "{not json"}, True, "dev") == [
        "vault access policy: the policy is not valid JSON (Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1))."
    ]


@pytest.mark.parametrize(
    "statement",
    [
        _allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}),
        _allow(
            "*", {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "backup.us-east-1.amazonaws.com"}}
        ),
        _allow(
            {"AWS": "*"}, {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG_ID}/r-ab12/ou-ab12-11111111/*"]}}
        ),
        _allow({"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}),
        _allow({"Service": "backup.amazonaws.com"}),
        # Deny to everyone only takes access away: the vault's deletion guard looks like this.
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "backup:DeleteRecoveryPoint", "Resource": "*"},
    ],
)
def test_constrained_named_or_deny_statements_pass(statement):
    assert bp.no_public_principal(bp.VAULT_POLICY, {"policy": _doc(statement)}, True, "dev") == []


def test_only_the_public_statement_is_reported_and_unknown_or_absent_policies_pass():
    public = {key: value for key, value in _allow("*").items() if key != "Sid"}
    document = _doc(_allow({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}, sid="Ok"), public)
    messages = bp.no_public_principal(bp.VAULT_POLICY, {"policy": document}, True, "dev")
    assert messages == [f"vault access policy: {no_condition('1')}"]
    assert bp.no_public_principal(bp.VAULT_POLICY, {"policy": bp.UNKNOWN}, True, "dev") == []
    assert bp.no_public_principal(bp.KMS_KEY, {"description": "no policy: KMS's default"}, True, "dev") == []


# --- production-copies-off-region -----------------------------------------------------------

EAST_PLAN_ARN = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-plan:11111111-2222-3333-4444-555555555555"
WEST_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:copies-us-west-2"
EAST_VAULT = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:other-us-east-1"


def _plan(*rules: dict[str, Any], arn: Any = EAST_PLAN_ARN, region: Any = None) -> bp.Resource:
    props = {"name": "windows-weekly", "rules": list(rules)}
    if arn is not None:
        props["arn"] = arn
    return bp.Resource(bp.PLAN, props, False, "urn:pulumi:prod::p::aws:backup/plan:Plan::plan", region)


def _copying(name: str, *arns: Any) -> dict[str, Any]:
    return _rule(name, lifecycle={"deleteAfter": 30}, copyActions=[{"destinationVaultArn": a} for a in arns])


def _off_region_message(stack: str, rule: str) -> str:
    return (
        f"production stack {stack!r}: plan 'windows-weekly' rule {rule!r} (in us-east-1) has no copy action "
        "into a vault in another region: add a copy_actions entry whose destination vault lives in a "
        "second region (copy B of 3-2-1)."
    )


@pytest.mark.parametrize(
    "rule", [_rule("r"), _copying("r"), _copying("r", EAST_VAULT)], ids=["no-copy", "empty-copies", "same-region"]
)
def test_production_rule_without_off_region_copy_is_rejected(rule):
    assert bp.production_copies_off_region([_plan(rule)], "prod-us-east-1") == [
        bp.Violation(_off_region_message("prod-us-east-1", "r"), "urn:pulumi:prod::p::aws:backup/plan:Plan::plan")
    ]


def test_only_the_rule_without_off_region_copy_is_reported():
    plan = _plan(_copying("good", EAST_VAULT, WEST_VAULT), _copying("bad", EAST_VAULT))
    violations = bp.production_copies_off_region([plan], "prod")
    assert [v.message for v in violations] == [_off_region_message("prod", "bad")]


def test_plan_region_falls_back_to_its_provider():
    plan = _plan(_copying("r", EAST_VAULT), arn=None, region="us-east-1")
    assert [v.message for v in bp.production_copies_off_region([plan], "prod-x")] == [
        _off_region_message("prod-x", "r")
    ]


@pytest.mark.parametrize(
    "plan",
    [
        _plan(_copying("r", WEST_VAULT)),
        _plan(_copying("r", bp.UNKNOWN)),  # destination vault not created yet (first preview)
        _plan(_rule("r"), arn=None),  # plan region unknown
    ],
)
def test_production_rule_with_off_region_copy_or_unknowns_passes(plan):
    assert bp.production_copies_off_region([plan], "prod-us-east-1") == []


@pytest.mark.parametrize("stack", ["dev", "archive", "staging-prod", "test"])
def test_non_production_stacks_pass_trivially(stack):
    assert bp.production_copies_off_region([_plan(_rule("r"))], stack) == []


# --- The pulumi-policy adapter --------------------------------------------------------------


def _options(protect: bool) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def test_plain_turns_preview_unknowns_into_unknown():
    props = unknown_checking_proxy(
        {"name": "v", "kmsKeyArn": UNKNOWN_STRING_VALUE, "rules": [{"lifecycle": UNKNOWN_STRING_VALUE}]}
    )
    assert pack.plain(props) == {"name": "v", "kmsKeyArn": bp.UNKNOWN, "rules": [{"lifecycle": bp.UNKNOWN}]}


def _validate(policy_name: str, type_: str, props: dict[str, Any], protect: bool) -> list[str]:
    policy = next(p for p in pack.policies() if isinstance(p, ResourceValidationPolicy) and p.name == policy_name)
    reported: list[str] = []
    args = ResourceValidationArgs(type_, unknown_checking_proxy(props), "urn:x", "x", _options(protect), None)
    policy.validate(args, lambda message, urn: reported.append(message))
    return reported


def test_adapter_passes_props_and_protect_to_the_policy_functions():
    assert _validate("backup-vault-encrypted", bp.VAULT, {"name": "v"}, True) == bp.vault_encrypted(
        bp.VAULT, {"name": "v"}, True, ""
    )
    assert _validate("backup-vault-protected", bp.VAULT, {"name": "v", "kmsKeyArn": KEY_ARN}, False) == [UNPROTECTED]
    assert _validate("backup-vault-protected", bp.VAULT, {"name": "v", "kmsKeyArn": KEY_ARN}, True) == []


def test_adapter_lets_unknown_values_pass_in_preview():
    assert _validate("backup-vault-encrypted", bp.VAULT, {"name": "v", "kmsKeyArn": UNKNOWN_STRING_VALUE}, True) == []


@pytest.mark.parametrize(
    "stack, expected",
    [("dev", []), ("prod-us-east-1", [(_off_region_message("prod-us-east-1", "r"), "urn:plan")])],
)
def test_stack_adapter_reads_the_stack_name_from_the_cli(monkeypatch, stack, expected):
    monkeypatch.setenv("PULUMI_STACK", stack)
    policy = next(p for p in pack.policies() if isinstance(p, StackValidationPolicy) and p.name == OFF_REGION)
    props = unknown_checking_proxy({"name": "windows-weekly", "arn": EAST_PLAN_ARN, "rules": [_rule("r")]})
    plan = PolicyResource(bp.PLAN, props, "urn:plan", "plan", _options(False), None, None, [], {})
    reported: list[tuple[str, Any]] = []
    policy.validate(StackValidationArgs([plan]), lambda message, urn: reported.append((message, urn)))
    assert reported == expected


def test_stack_adapter_places_a_plan_by_its_own_region_before_its_providers(monkeypatch):
    """pulumi-aws 7: a resource's own `region` decides, whatever its provider's region."""
    west_provider = PolicyProviderResource("aws", unknown_checking_proxy({"region": "us-west-2"}), "urn:p", "p")
    assert pack.resource_region({"region": "us-east-1"}, west_provider) == "us-east-1"
    assert pack.resource_region({}, west_provider) == "us-west-2"
    assert pack.resource_region({"region": bp.UNKNOWN}, None) is None
    monkeypatch.setenv("PULUMI_STACK", "prod-x")
    policy = next(p for p in pack.policies() if isinstance(p, StackValidationPolicy) and p.name == OFF_REGION)
    # A plan in us-east-1 by its own region (its ARN not known yet), on a provider of us-west-2,
    # copying only within us-east-1: no off-region copy. The provider's region would have hidden it.
    props = unknown_checking_proxy(
        {"name": "windows-weekly", "region": "us-east-1", "rules": [_copying("r", EAST_VAULT)]}
    )
    plan = PolicyResource(bp.PLAN, props, "urn:plan", "plan", _options(False), west_provider, None, [], {})
    reported: list[str] = []
    policy.validate(StackValidationArgs([plan]), lambda message, urn: reported.append(message))
    assert reported == [_off_region_message("prod-x", "r")]


def test_pack_holds_every_policy_once_and_all_are_mandatory():
    from pulumi_policy import EnforcementLevel

    policies = pack.policies()
    assert [p.name for p in policies] == ALL_POLICY_NAMES
    assert {p.enforcement_level for p in policies} == {EnforcementLevel.MANDATORY}


# --- The pack as the CLI runs it ------------------------------------------------------------


class Analyzer:
    """A running policy pack (``python -m pulumi.policy``, as the CLI starts it) and its gRPC stub."""

    def __init__(self, stack: str) -> None:
        env = {**os.environ, "PULUMI_STACK": stack, "PULUMI_PROJECT": "windows-server-backup", "PULUMI_DRY_RUN": "true"}
        # The engine address is only used by packs that talk back to the engine; this one does not.
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
            cwd=POLICY_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        stdout, stderr = self.process.stdout, self.process.stderr
        assert stdout is not None and stderr is not None  # both are pipes
        # The pack prints its port once it serves; a pack that cannot start exits instead.
        ready, _, _ = select.select([stdout], [], [], 120)
        line = stdout.readline() if ready else b""
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError(f"the policy pack did not start: {stderr.read().decode()}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    @staticmethod
    def _message(policy_name: str, text: str) -> str:
        # pulumi-policy sends the policy's description, a newline, then the violation's message.
        description = {**bp.RESOURCE_POLICIES, **bp.STACK_POLICIES}[policy_name][0]
        first, _, message = text.partition("\n")
        assert first == description
        return message

    def analyze(self, type_: str, props: dict[str, Any], protect: bool, name: str = "r") -> list[tuple[str, str]]:
        properties = struct_pb2.Struct()
        properties.update(props)
        request = analyzer_pb2.AnalyzeRequest(
            type=type_,
            properties=properties,
            urn=f"urn:pulumi:test::p::{type_}::{name}",
            name=name,
            options=analyzer_pb2.AnalyzerResourceOptions(protect=protect),
        )
        return [(d.policyName, self._message(d.policyName, d.message)) for d in self.stub.Analyze(request).diagnostics]

    def analyze_stack(self, resources: list[bp.Resource]) -> list[tuple[str, str, str]]:
        protos = []
        for resource in resources:
            properties = struct_pb2.Struct()
            properties.update(dict(resource.props))
            protos.append(
                analyzer_pb2.AnalyzerResource(
                    type=resource.type,
                    properties=properties,
                    urn=resource.urn,
                    name=resource.urn.rsplit("::", 1)[-1],
                    options=analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect),
                )
            )
        response = self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=protos))
        return [(d.policyName, d.urn, self._message(d.policyName, d.message)) for d in response.diagnostics]

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        self.process.terminate()
        self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Callable[[str], Analyzer]]:
    """One running pack per stack name (the CLI starts the pack with the stack in its environment)."""
    running: dict[str, Analyzer] = {}

    def get(stack: str) -> Analyzer:
        if stack not in running:
            running[stack] = Analyzer(stack)
        return running[stack]

    yield get
    for each in running.values():
        each.close()


def test_served_pack_lists_every_policy_as_mandatory(analyzer):
    info = analyzer("dev").stub.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == pack.PACK_NAME
    assert sorted((p.name, p.enforcementLevel) for p in info.policies) == sorted(
        (name, analyzer_pb2.MANDATORY) for name in ALL_POLICY_NAMES
    )


@pytest.mark.parametrize("stack", STACKS)
def test_served_pack_passes_every_stack(analyzer, ran, stack):
    run = ran(stack)
    served = analyzer(stack)
    diagnostics = {
        f"{r.type}::{r.name}": found
        for r in aws_resources(run)
        if (found := served.analyze(r.type, r.inputs, r.protect, r.name))
    }
    assert diagnostics == {}
    assert served.analyze_stack(stack_resources(run)) == []


def test_served_pack_rejects_bad_resources(analyzer):
    served = analyzer("prod-us-east-1")
    vault = served.analyze(bp.VAULT, {"name": "v"}, protect=False)
    assert sorted(name for name, _ in vault) == ["backup-vault-encrypted", "backup-vault-protected"]
    plan = {"name": "windows-weekly", "rules": [_rule("r")], "arn": EAST_PLAN_ARN}
    assert sorted(name for name, _ in served.analyze(bp.PLAN, plan, protect=False)) == [
        "backup-rule-has-retention",
        "windows-plan-uses-vss",
    ]
    key = served.analyze(bp.KMS_KEY, {"policy": _doc(_allow("*"))}, protect=True)
    assert key == [("no-public-principal", f"KMS key policy: {NO_CONDITION}")]
    stack = served.analyze_stack(
        [_plan(_rule("r")), _vault(KEY_ARN), _key(KEY_ARN, False, "pulumi:test::p::aws:kms/key:Key::k")]
    )
    assert [(name, urn) for name, urn, _ in stack] == [
        (OFF_REGION, "urn:pulumi:prod::p::aws:backup/plan:Plan::plan"),
        ("vault-keys-protected", "urn:pulumi:test::p::aws:kms/key:Key::k"),
    ]
    assert stack[0][2] == _off_region_message("prod-us-east-1", "r")


# --- The real program with a careless config: the pack stops it -----------------------------


def test_a_careless_stack_config_is_rejected(run_config):
    """A throwaway-style config (nothing protected, VSS off on the Windows plan) run through the
    real program: the pack names each problem, on the resources the program registers."""
    config = seed_config()
    config[f"{PROJECT}:vault"] = {**config[f"{PROJECT}:vault"], "protect": False, "kms_key": "create"}
    plans = config[f"{PROJECT}:plans"]
    config[f"{PROJECT}:plans"] = [{**plans[0], "windows_vss": False}, *plans[1:]]
    config.pop(f"{PROJECT}:vss_instances", None)  # the config layer wants a VSS plan for those
    run = run_config(config, stack="prod-careless")
    assert run.error is None, run.error
    found = sorted(
        (policy, r.name)
        for r in aws_resources(run)
        for policy, (_, check) in bp.RESOURCE_POLICIES.items()
        if check(r.type, r.inputs, r.protect, "prod-careless")
    )
    assert found == [
        ("backup-vault-protected", "backup-vault"),
        ("windows-plan-uses-vss", "backup-windows-weekly-ec2-vss-us-east-1"),
    ]
    stack = stack_resources(run)
    assert [(v.urn.rsplit("::", 1)[-1]) for v in bp.vault_keys_protected(stack, "prod-careless")] == [
        "backup-vault-key"
    ]
    off_region = bp.production_copies_off_region(stack, "prod-careless")
    assert sorted(v.urn.rsplit("::", 1)[-1] for v in off_region) == [
        "backup-weekly-ebs-us-east-1",
        "backup-windows-weekly-ec2-vss-us-east-1",
    ]
