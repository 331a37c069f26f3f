"""Vault access policy statements of your own, and force_destroy for throwaway vaults.

Statements are added after the program's deny-deletions and copy-in statements and checked first:
each rule at its boundary, through components and through the stack file; the merged documents
pass parliament. force_destroy is only for an unprotected, unlocked vault, and warns loudly.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from conftest import PROJECT, fixture_config, seed_config
from test_policy_lint import findings_above_low
from test_restore_testing import built, rejected_with

from components import ArchiveVault, BackupVault, VaultLockArgs
from components.policies import vault_statement_problems, vault_statement_warnings
from offline import OFFLINE_ACCOUNT_ID

POLICY = "aws:backup/vaultPolicy:VaultPolicy"
VAULT = "aws:backup/vault:Vault"
KEY_ARN = f"arn:aws:kms:us-east-1:{OFFLINE_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
AUDITOR = f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:role/backup-auditor"
BREAK_GLASS = f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:role/break-glass"
DENY = {
    "Sid": "DenyRecoveryPointDeletion",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault"],
    "Resource": "*",
}
AUDIT_READ = {
    "Sid": "AuditorReadsVault",
    "Effect": "Allow",
    "Principal": {"AWS": AUDITOR},
    "Action": ["backup:DescribeBackupVault", "backup:ListRecoveryPointsByBackupVault"],
    "Resource": "*",
}
ORG_ONLY = {
    "Sid": "DenyCopiesFromOutsideTheOrganization",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "backup:CopyIntoBackupVault",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
}


def _with(**changes: Any) -> dict[str, Any]:
    statement = {**AUDIT_READ, **changes}
    return {key: value for key, value in statement.items() if value is not None}


def _policy(run, name: str = "v-policy") -> dict[str, Any]:
    return json.loads(run.named(POLICY, name).inputs["policy"])


# --- Components ------------------------------------------------------------------------------


def test_statements_follow_the_deny_deletions_statement(run_components):
    run = run_components(
        lambda: BackupVault(
            "v", {"name": "vault1", "kms_key_arn": KEY_ARN, "policy_statements": [AUDIT_READ, ORG_ONLY]}
        )
    )
    assert run.error is None, run.error
    assert _policy(run) == {"Version": "2012-10-17", "Statement": [DENY, AUDIT_READ, ORG_ONLY]}
    assert run.warnings == []


def test_statements_alone_make_a_policy_without_the_deny(run_components):
    run = run_components(
        lambda: BackupVault(
            "v", {"name": "vault1", "kms_key_arn": KEY_ARN, "deny_deletions": False, "policy_statements": [AUDIT_READ]}
        )
    )
    assert run.error is None, run.error
    assert _policy(run)["Statement"] == [AUDIT_READ]


def test_the_break_glass_role_may_be_allowed_what_the_deny_spares_it(run_components):
    allow = _with(
        Sid="BreakGlassDeletes", Principal={"AWS": BREAK_GLASS}, Action="backup:DeleteRecoveryPoint", Resource="*"
    )
    run = run_components(
        lambda: BackupVault(
            "v",
            {
                "name": "vault1",
                "kms_key_arn": KEY_ARN,
                "break_glass_role_arn": BREAK_GLASS,
                "policy_statements": [allow],
            },
        )
    )
    assert run.error is None, run.error
    assert _policy(run)["Statement"][1] == allow


BAD_STATEMENTS = [
    # (statement, path, rule)
    ("not a statement", "[0]", "a statement is a mapping of policy elements"),
    (_with(Sid=None), "[0].Sid", "each statement of your own needs a Sid"),
    (_with(Sid="DenyRecoveryPointDeletion"), "[0].Sid", "Sid 'DenyRecoveryPointDeletion' is already used"),
    (_with(Effect="Permit"), "[0].Effect", "Effect is 'Allow' or 'Deny'"),
    (_with(Resource=None), "[0]", "a statement holds exactly one of Resource and NotResource"),
    (_with(Principal=None), "[0]", "a statement holds exactly one of Principal and NotPrincipal"),
    (_with(Action=None, NotAction="backup:DeleteBackupVault"), "[0].NotAction", "an Allow with NotAction grants"),
    (_with(Principal=None, NotPrincipal={"AWS": AUDITOR}), "[0].NotPrincipal", "an Allow with NotPrincipal grants"),
    (_with(Action="backup:*"), "[0].Action", "do not accept wildcards in actions"),
    (_with(Action="backup:List*"), "[0].Action", "do not accept wildcards in actions"),
    (_with(Action="s3:GetObject"), "[0].Action", "a vault access policy only governs AWS Backup API calls"),
    (_with(Principal="*"), "[0].Principal", "an Allow to every principal without a Condition"),
    (_with(Principal={"AWS": "*"}), "[0].Principal", "an Allow to every principal without a Condition"),
    (_with(Action="backup:DeleteRecoveryPoint"), "[0].Action", "an explicit deny always wins"),
    (_with(Condition={"StringEquals": "o-a1b2c3d4e5"}), "[0].Condition", "a Condition maps operators"),
    (_with(Statement="nested"), "[0]", "['Statement'] are not policy statement elements"),
]


@pytest.mark.parametrize(("statement", "path", "rule"), BAD_STATEMENTS, ids=[b[2][:40] for b in BAD_STATEMENTS])
def test_each_rule_of_a_statement(statement, path, rule):
    [(where, violation)] = vault_statement_problems([statement])
    assert (where, rule in violation.rule) == (path, True), violation


@pytest.mark.parametrize(
    "statement",
    [
        AUDIT_READ,
        ORG_ONLY,
        # A Deny may use NotAction and wildcards of principals freely.
        {**ORG_ONLY, "Sid": "DenyAllButCopies", "Action": None, "NotAction": ["backup:CopyIntoBackupVault"]},
        # An Allow to everyone with a Condition is how an organization copies in.
        {
            **AUDIT_READ,
            "Principal": "*",
            "Action": "backup:CopyIntoBackupVault",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        },
    ],
    ids=["audit-read", "org-only-deny", "deny-not-action", "allow-everyone-with-condition"],
)
def test_statements_that_pass(statement):
    statement = {key: value for key, value in statement.items() if value is not None}
    assert vault_statement_problems([statement]) == []


def test_two_statements_with_one_sid_are_both_reported():
    found = vault_statement_problems([AUDIT_READ, AUDIT_READ])
    assert [where for where, _ in found] == ["[0].Sid", "[1].Sid"]


def test_another_account_may_only_copy_in():
    other = "arn:aws:iam::999999999999:role/auditor"
    copy_in = _with(Sid="CopyIn", Principal={"AWS": "999999999999"}, Action="backup:CopyIntoBackupVault")
    assert vault_statement_problems([copy_in], account_id=OFFLINE_ACCOUNT_ID) == []
    [(where, violation)] = vault_statement_problems([_with(Principal={"AWS": other})], account_id=OFFLINE_ACCOUNT_ID)
    assert where == "[0].Principal"
    assert "AWS Backup rejects other accounts' (999999999999) access for any action but" in violation.rule
    # Without the account, the same statement cannot be judged yet.
    assert vault_statement_problems([_with(Principal={"AWS": other})]) == []


def test_the_component_checks_other_accounts_once_the_account_is_known(run_components):
    other = _with(Principal={"AWS": "arn:aws:iam::999999999999:role/auditor"})
    run = run_components(
        lambda: BackupVault("v", {"name": "vault1", "kms_key_arn": KEY_ARN, "policy_statements": [other]})
    )
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).startswith("BackupVault 'v' has invalid arguments:\n  - policy_statements[0].Principal: ")


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]}},
        {"StringEquals": {"AWS:principalorgid": "o-a1b2c3d4e5"}},
    ],
    ids=["org-id", "org-paths", "any-case"],
)
def test_the_whole_organization_may_only_copy_in(condition):
    """Other accounts reached through the organization get no more than named ones, whatever the account."""
    org_read = {**AUDIT_READ, "Principal": "*", "Condition": condition}
    [(where, violation)] = vault_statement_problems([org_read])
    assert where == "[0].Principal"
    assert "an Allow to every principal of the organization" in violation.rule
    assert "rejects other accounts' access for any action but backup:CopyIntoBackupVault" in violation.rule
    assert vault_statement_problems([{**org_read, "Action": "backup:CopyIntoBackupVault"}]) == []


def test_an_unknown_backup_condition_key_warns():
    # backup:CopySourceRegion appears in community examples; AWS Backup defines no such key.
    statement = {**ORG_ONLY, "Condition": {"StringNotEquals": {"backup:CopySourceRegion": "us-east-1"}}}
    assert vault_statement_problems([statement]) == []
    [warning] = vault_statement_warnings([statement])
    assert warning.startswith(
        "[0].Condition: 'backup:CopySourceRegion' is not a condition key AWS Backup documented when this program was "
        "written"
    )


def test_the_condition_keys_cover_parliaments_and_newer_ones():
    """Parliament's IAM data (a dev tool) lags the Service Authorization Reference; the program's list may
    only be longer."""
    import os

    import parliament

    from components.policies import BACKUP_CONDITION_KEYS

    with open(os.path.join(os.path.dirname(parliament.__file__), "iam_definition.json"), encoding="utf-8") as file:
        [backup] = [service for service in json.load(file) if service["prefix"] == "backup"]
    documented = {c["condition"] for c in backup["conditions"] if c["condition"].startswith("backup:")}
    assert documented <= set(BACKUP_CONDITION_KEYS)
    assert "backup:MpaApprovalTeamArn" in BACKUP_CONDITION_KEYS
    mpa = {**ORG_ONLY, "Condition": {"StringEquals": {"backup:MpaApprovalTeamArn": "arn:aws:mpa::1:approval-team/x"}}}
    assert vault_statement_warnings([mpa]) == []


def test_the_component_lists_every_problem_before_registering(run_components):
    run = run_components(
        lambda: BackupVault(
            "v",
            {
                "name": "vault1",
                "kms_key_arn": KEY_ARN,
                "policy_statements": [_with(Action="backup:*"), _with(Sid="Two", Principal="*")],
            },
        )
    )
    assert [line.split(":", 1)[0] for line in str(run.error).splitlines()] == [
        "BackupVault 'v' has invalid arguments",
        "  - policy_statements[0].Action",
        "  - policy_statements[1].Principal",
    ]
    assert [r.type for r in run.registrations] == ["pulumi:pulumi:Stack", "windows-server-backup:index:BackupVault"]


@pytest.mark.parametrize("air_gapped", [False, True], ids=["standard", "air-gapped"])
def test_the_archive_vault_takes_statements_too(run_components, air_gapped):
    run = run_components(
        lambda: ArchiveVault(
            "archive",
            {
                "vault_name": "archive-vault",
                "region": "us-east-1",
                "source_account_ids": ["111111111111"],
                "min_retention_days": 30,
                "max_retention_days": 3650,
                "air_gapped": air_gapped,
                "policy_statements": [ORG_ONLY],
            },
        )
    )
    assert run.error is None, run.error
    [policy] = run.of_type(POLICY)
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert [statement["Sid"] for statement in statements] == [
        "DenyRecoveryPointDeletion",
        "AllowCopyIntoFromSourceAccounts",
        "DenyCopiesFromOutsideTheOrganization",
    ]


# --- The stack file --------------------------------------------------------------------------


def test_statements_through_the_stack_file_pass_parliament(run_config):
    run = built(
        run_config(seed_config(vault={"name": "backup-vault-us-east-1", "policy_statements": [AUDIT_READ, ORG_ONLY]}))
    )
    document = _policy(run, "backup-vault-policy")
    assert document["Statement"] == [DENY, AUDIT_READ, ORG_ONLY]
    assert findings_above_low(document) == []


def test_a_bad_statement_in_the_stack_file(run_config):
    rejected_with(
        run_config(
            seed_config(vault={"name": "backup-vault-us-east-1", "policy_statements": [_with(Action="backup:*")]})
        ),
        "vault.policy_statements[0].Action",
        '"backup:*"',
        "AWS Backup vault access policies do not accept wildcards in actions",
        "list each action by name",
    )


def test_a_bad_statement_of_the_archive_vault(run_config):
    archive = fixture_config("archive")
    archive[f"{PROJECT}:archive_vault"]["policy_statements"] = [_with(Action="backup:DeleteBackupVault")]
    rejected_with(
        run_config(archive),
        "archive_vault.policy_statements[0].Action",
        '"backup:DeleteBackupVault"',
        "an explicit deny always wins, so this Allow would do nothing",
        "set deny_deletions: false",
    )


def test_another_account_is_judged_before_deploying_when_the_stack_pins_its_account(run_config):
    other = _with(Principal={"AWS": "arn:aws:iam::999999999999:role/auditor"})
    config = seed_config(vault={"name": "backup-vault-us-east-1", "policy_statements": [other]})
    config["aws:allowedAccountIds"] = ["111111111111"]
    run = run_config(config)
    assert isinstance(run.error, pulumi.RunError)
    assert "  - vault.policy_statements[0].Principal: " in str(run.error)
    assert [r.type for r in run.registrations] == ["pulumi:pulumi:Stack"]


# --- Changes of the vault's own policy ------------------------------------------------------------

DEPLOYER = f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:role/backup-deployer"
#: The statement AWS Config's "backup-recovery-point-manual-deletion-disabled" looks for: one Deny of
#: DeleteRecoveryPoint, UpdateRecoveryPointLifecycle and PutBackupVaultAccessPolicy, wildcard Principal and Resource.
POLICY_CHANGES = {
    "Sid": "DenyPolicyChangesAndDeletions",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": [
        "backup:DeleteRecoveryPoint",
        "backup:UpdateRecoveryPointLifecycle",
        "backup:PutBackupVaultAccessPolicy",
        "backup:DeleteBackupVaultAccessPolicy",
    ],
    "Resource": "*",
    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [BREAK_GLASS, DEPLOYER]}},
}


def test_policy_admins_alone_may_change_the_policy_and_still_cannot_delete(run_config):
    vault = {
        "name": "backup-vault-us-east-1",
        "break_glass_role_arn": BREAK_GLASS,
        "policy_admin_role_arns": [DEPLOYER],
    }
    run = built(run_config(seed_config(vault=vault, audit={})))
    deny = {**DENY, "Condition": {"ArnNotEquals": {"aws:PrincipalArn": BREAK_GLASS}}}
    document = _policy(run, "backup-vault-policy")
    assert document["Statement"] == [deny, POLICY_CHANGES]
    assert findings_above_low(document) == []
    # The review still reads every deletion as denied to everyone (the first statement spares only the
    # break-glass role), so adding policy admins is no weakening.
    from offline.risk.locks import denied

    assert denied(json.dumps(document)) == denied(json.dumps({"Statement": [deny]}))
    # The audit control the policy now passes, told whom the deny exempts.
    [framework] = run.of_type("aws:backup/framework:Framework")
    [control] = [
        c for c in framework.inputs["controls"] if c["name"] == "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"
    ]
    assert control["inputParameters"] == [{"name": "principalArnList", "value": f"{BREAK_GLASS},{DEPLOYER}"}]


def test_without_policy_admins_the_policy_stays_changeable_and_the_control_is_left_out(run_config):
    run = built(run_config(seed_config(audit={})))
    assert _policy(run, "backup-vault-policy")["Statement"] == [DENY]
    [framework] = run.of_type("aws:backup/framework:Framework")
    assert "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED" not in [c["name"] for c in framework.inputs["controls"]]


def test_copy_b_vault_takes_the_same_policy_admins(run_config):
    vault = {"name": "backup-vault-us-east-1", "kms_key": "create", "policy_admin_role_arns": [DEPLOYER]}
    run = built(run_config(fixture_config("prod-east", vault=vault)))
    statements = _policy(run, "backup-copy-us-west-2-vault-policy")["Statement"]
    assert [s["Sid"] for s in statements] == ["DenyRecoveryPointDeletion", "DenyPolicyChangesAndDeletions"]
    assert statements[1]["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": DEPLOYER}}


@pytest.mark.parametrize(
    ("vault", "path", "shown", "rule"),
    [
        (
            {"deny_deletions": False, "policy_admin_role_arns": [DEPLOYER]},
            "vault.policy_admin_role_arns",
            f'["{DEPLOYER}"]',
            "deny_deletions: false leaves that statement out",
        ),
        (
            {"policy_admin_role_arns": ["backup-deployer"]},
            "vault.policy_admin_role_arns[0]",
            '"backup-deployer"',
            "an IAM role ARN looks like",
        ),
    ],
    ids=["without-the-deny", "not-an-arn"],
)
def test_policy_admin_rules(run_config, vault, path, shown, rule):
    rejected_with(run_config(seed_config(vault={"name": "backup-vault-us-east-1", **vault})), path, shown, rule, "")


def test_the_component_checks_its_policy_admins(run_components):
    run = run_components(
        lambda: BackupVault(
            "v", {"name": "vault1", "kms_key_arn": KEY_ARN, "deny_deletions": False, "policy_admin_role_arns": ["x"]}
        )
    )
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).splitlines()[1].startswith("  - policy_admin_role_arns: 'x': an IAM role ARN looks like")


@pytest.mark.parametrize(("admins", "ok"), [(4, True), (5, False)], ids=["5-exempt", "6-exempt"])
def test_the_control_names_at_most_five_exempted_roles(run_config, admins, ok):
    roles = [f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:role/deployer-{index}" for index in range(admins)]
    vault = {"name": "backup-vault-us-east-1", "break_glass_role_arn": BREAK_GLASS, "policy_admin_role_arns": roles}
    run = run_config(seed_config(vault=vault, audit={}))
    if ok:
        built(run)
    else:
        rejected_with(
            run,
            "vault.policy_admin_role_arns",
            "[",
            "takes at most 5 exempted roles (its principalArnList), and the vault's deny exempts 6",
            "or audit.stack_controls: false",
        )
        # Without the stack's controls nothing lists them.
        built(
            run_config(seed_config(vault=vault, audit={"stack_controls": False, "job_reports": ["BACKUP_JOB_REPORT"]}))
        )


LOCKED_OUT = "exempts no one (every principal, no Condition), so nobody could change or remove the vault's policy"


@pytest.mark.parametrize(
    "statement",
    [
        {**ORG_ONLY, "Sid": "NoPolicyChanges", "Action": "backup:PutBackupVaultAccessPolicy", "Condition": None},
        {**ORG_ONLY, "Sid": "NoPolicyRemoval", "Action": ["backup:DeleteBackupVaultAccessPolicy"], "Condition": None},
        {
            **ORG_ONLY,
            "Sid": "DenyAllButCopies",
            "Action": None,
            "NotAction": "backup:CopyIntoBackupVault",
            "Condition": None,
        },
        {
            **ORG_ONLY,
            "Sid": "NoPolicyChanges",
            "Principal": "*",
            "Action": "backup:PutBackupVaultAccessPolicy",
            "Condition": None,
        },
    ],
    ids=["put", "delete", "not-action", "star"],
)
def test_a_deny_of_policy_changes_that_exempts_no_one_is_refused(statement):
    statement = {key: value for key, value in statement.items() if value is not None}
    [(where, violation)] = vault_statement_problems([statement])
    assert where == "[0]"
    assert LOCKED_OUT in violation.rule
    assert "vault.policy_admin_role_arns" in violation.fix


def test_a_deny_of_policy_changes_that_exempts_someone_passes():
    exempting = {
        **ORG_ONLY,
        "Sid": "NoPolicyChanges",
        "Action": "backup:PutBackupVaultAccessPolicy",
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": DEPLOYER}},
    }
    assert vault_statement_problems([exempting]) == []


def test_the_organization_stack_refuses_policy_admins(run_config):
    config = fixture_config("org")
    config[f"{PROJECT}:vault"] = {**config[f"{PROJECT}:vault"], "policy_admin_role_arns": [DEPLOYER]}
    rejected_with(
        run_config(config),
        "vault.policy_admin_role_arns",
        f'["{DEPLOYER}"]',
        "the StackSet gives every member vault the program's own access policy only",
        "remove policy_admin_role_arns from the organization stack",
    )


# --- force_destroy ------------------------------------------------------------------------------


def test_force_destroy_for_an_unprotected_throwaway_vault(run_config):
    run = built(run_config(seed_config(vault={"name": "throwaway", "protect": False, "force_destroy": True})))
    vault = run.named(VAULT, "backup-vault")
    assert vault.inputs["forceDestroy"] is True
    assert vault.protect is False
    assert run.warnings == [
        "BackupVault 'backup-vault': force_destroy is on, so `pulumi destroy` (or a replacement) DELETES EVERY "
        "RECOVERY POINT in vault 'throwaway' before deleting it. Use it only for a throwaway stack."
    ]


def test_force_destroy_is_never_the_default(run_config):
    run = built(run_config(seed_config(vault={"name": "kept", "protect": False})))
    assert run.named(VAULT, "backup-vault").inputs["forceDestroy"] is False
    assert not any("force_destroy" in warning for warning in run.warnings)


def test_force_destroy_needs_protect_false(run_config):
    rejected_with(
        run_config(seed_config(vault={"name": "kept", "force_destroy": True})),
        "vault.protect",
        "true",
        "force_destroy is for throwaway vaults, and a protected vault is never destroyed",
        "set protect: false as well",
    )


def test_force_destroy_never_with_a_lock(run_config):
    lock = {"min_retention_days": 1, "max_retention_days": 40}
    rejected_with(
        run_config(seed_config(vault={"name": "kept", "protect": False, "force_destroy": True, "lock": lock})),
        "vault.lock",
        '{"min_retention_days": 1',
        "Vault Lock stops every deletion of a recovery point before its retention ends",
        "remove the lock from a throwaway vault",
    )


def test_the_component_refuses_force_destroy_of_a_protected_locked_vault(run_components):
    lock: VaultLockArgs = {"min_retention_days": 1, "max_retention_days": 40}
    run = run_components(lambda: BackupVault("v", {"name": "vault1", "force_destroy": True, "lock": lock}))
    assert [line.split(":", 1)[0] for line in str(run.error).splitlines()] == [
        "BackupVault 'v' has invalid arguments",
        "  - protect",
        "  - lock",
    ]
