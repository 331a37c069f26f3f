"""Policy documents for vaults and keys, as plain functions of plain values (easy to test and lint).

Every document is least privilege: each statement names who, what and under which condition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from . import rules
from .account import root_arn

#: What nobody but the break-glass role may do to a vault's recovery points (or the vault).
PROTECTED_VAULT_ACTIONS = (
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:DeleteBackupVault",
)
#: Changing or removing the vault's access policy (which would lift its denials).
VAULT_POLICY_ACTIONS = ("backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultAccessPolicy")
#: What a source account needs on a destination vault to copy into it.
COPY_INTO_VAULT_ACTION = "backup:CopyIntoBackupVault"
#: Sids of the statements :func:`vault_access_policy` writes itself.
DENY_DELETIONS_SID = "DenyRecoveryPointDeletion"
POLICY_CHANGES_SID = "DenyPolicyChangesAndDeletions"
COPY_INTO_SID = "AllowCopyIntoFromSourceAccounts"
#: The elements a statement of a vault access policy may hold (IAM JSON policy element reference).
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
#: Condition keys AWS Backup defines (Service Authorization Reference, "Actions, resources, and
#: condition keys for AWS Backup"); global ``aws:`` keys are allowed besides. Written here because
#: the program needs them at deploy time, where the IAM data of parliament (a dev tool) is not
#: installed; a test keeps this list a superset of parliament's. backup:MpaApprovalTeamArn
#: (AssociateBackupVaultMpaApprovalTeam) is newer than parliament 1.6.4's data.
BACKUP_CONDITION_KEYS = (
    "backup:ChangeableForDays",
    "backup:CopyTargetOrgPaths",
    "backup:CopyTargets",
    "backup:FrameworkArns",
    "backup:Index",
    "backup:MaxRetentionDays",
    "backup:MinRetentionDays",
    "backup:MpaApprovalTeamArn",
)
_ACCOUNT_IN_PRINCIPAL = re.compile(r"^(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::|$)")
#: What another account's AWS Backup needs on a key to copy recovery points encrypted with it.
KEY_USE_FOR_COPIES = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)


def _document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


def _copy_principals(
    partition: str, source_account_ids: Sequence[str], organization_id: Optional[str]
) -> tuple[Any, dict[str, Any]]:
    """Principal and extra condition for "these source accounts" or "this organization"."""
    if organization_id:
        # Any principal, but only from inside the organization: org-wide without listing accounts.
        return "*", {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
    return {"AWS": sorted(root_arn(partition, account) for account in source_account_ids)}, {}


def _deny(sid: str, actions: Sequence[str], exempt: Sequence[Optional[str]]) -> dict[str, Any]:
    """A Deny of ``actions`` to every principal but the ``exempt`` role ARNs (``None`` skipped)."""
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": list(actions),
        "Resource": "*",
    }
    roles = list(dict.fromkeys(arn for arn in exempt if arn))
    if roles:
        statement["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": roles[0] if len(roles) == 1 else roles}}
    return statement


def vault_access_policy(
    *,
    partition: str,
    deny_deletions: bool = True,
    break_glass_role_arn: Optional[str] = None,
    policy_admin_role_arns: Sequence[str] = (),
    copy_source_account_ids: Sequence[str] = (),
    copy_source_organization_id: Optional[str] = None,
    statements: Sequence[Mapping[str, Any]] = (),
) -> str:
    """Access policy for a vault: deletions denied to all but the break-glass role; copies in allowed.

    ``deny_deletions``: deny the :data:`PROTECTED_VAULT_ACTIONS` to every principal except
    ``break_glass_role_arn`` (AWS Backup's own lifecycle expiry is not affected).
    ``policy_admin_role_arns`` (with ``deny_deletions``): the roles that deploy the vault's policy.
    Given, a second Deny covers :data:`VAULT_POLICY_ACTIONS` (so nobody else may lift the denials by
    changing or removing the policy) with the deletions, for every principal but them and the
    break-glass role: what AWS Config's rule "backup-recovery-point-manual-deletion-disabled" asks
    (one Deny of DeleteRecoveryPoint, UpdateRecoveryPointLifecycle and PutBackupVaultAccessPolicy,
    wildcard Principal and Resource; the exempted roles go in its ``principalArnList``). The first
    statement still denies the deletions to the policy admins. Not given, policy changes stay
    allowed: denying them to everyone would stop the next ``pulumi up`` from updating this policy.
    ``copy_source_*`` (for a vault that receives copies from other accounts): allow exactly
    ``backup:CopyIntoBackupVault`` to those accounts or that organization, nothing more.
    ``statements``: the caller's own statements, appended as they are (check them first with
    :func:`vault_statement_problems`).
    """
    document: list[dict[str, Any]] = []
    if deny_deletions:
        document.append(_deny(DENY_DELETIONS_SID, PROTECTED_VAULT_ACTIONS, [break_glass_role_arn]))
        if policy_admin_role_arns:
            deletions = PROTECTED_VAULT_ACTIONS[:2]  # the two the AWS Config rule asks for
            exempt = [break_glass_role_arn, *policy_admin_role_arns]
            document.append(_deny(POLICY_CHANGES_SID, (*deletions, *VAULT_POLICY_ACTIONS), exempt))
    if copy_source_account_ids or copy_source_organization_id:
        principal, condition = _copy_principals(partition, copy_source_account_ids, copy_source_organization_id)
        allow: dict[str, Any] = {
            "Sid": COPY_INTO_SID,
            "Effect": "Allow",
            "Principal": principal,
            "Action": COPY_INTO_VAULT_ACTION,
            "Resource": "*",
        }
        if condition:
            allow["Condition"] = condition
        document.append(allow)
    document += [dict(statement) for statement in statements]
    return _document(document)


def policy_admins_problem(policy_admin_role_arns: Sequence[str], deny_deletions: bool) -> Optional[rules.Violation]:
    """Policy admin roles: IAM role ARNs, and only beside the deny statement they are exempted from."""
    for arn in policy_admin_role_arns:
        if violation := rules.iam_role_arn(arn):
            return rules.Violation(f"{arn!r}: {violation.rule}", violation.fix)
    if policy_admin_role_arns and not deny_deletions:
        return rules.Violation(
            "policy_admin_role_arns exempts the roles that deploy the vault's policy from its deny statement, "
            "and deny_deletions: false leaves that statement out",
            "remove policy_admin_role_arns, or set deny_deletions: true",
        )
    return None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def principal_accounts(principal: Any) -> set[str]:
    """Accounts a ``Principal`` names (account IDs, root, role and user ARNs); ``"*"`` names none."""
    values = _as_list(principal.get("AWS", [])) if isinstance(principal, Mapping) else _as_list(principal)
    return {
        match.group(1) for value in values if isinstance(value, str) and (match := _ACCOUNT_IN_PRINCIPAL.match(value))
    }


#: Global condition keys that open a statement to the accounts of an organization or its OUs.
ORGANIZATION_KEYS = ("aws:PrincipalOrgID", "aws:PrincipalOrgPaths")


def _organization_condition(condition: Any) -> Optional[str]:
    """The organization key a Condition scopes principals by, if any (keys are case-insensitive)."""
    if not isinstance(condition, Mapping):
        return None
    keys = {str(key).lower(): str(key) for block in condition.values() if isinstance(block, Mapping) for key in block}
    return next((keys[key.lower()] for key in ORGANIZATION_KEYS if key.lower() in keys), None)


def _is_everyone(principal: Any) -> bool:
    if isinstance(principal, Mapping):
        return "*" in _as_list(principal.get("AWS", []))
    return principal == "*"


def _only_principal(principal: Any) -> Optional[str]:
    """The one ARN a principal names, if it names exactly one."""
    values = _as_list(principal.get("AWS", [])) if isinstance(principal, Mapping) else _as_list(principal)
    if isinstance(principal, Mapping) and set(principal) != {"AWS"}:
        return None
    return values[0] if len(values) == 1 and isinstance(values[0], str) else None


def _denies_policy_changes_to_everyone(statement: Mapping[str, Any]) -> list[str]:
    """The vault policy actions a statement denies to every principal without any condition."""
    if "Condition" in statement or "NotPrincipal" in statement or not _is_everyone(statement.get("Principal")):
        return []
    if "NotAction" in statement:
        spared = {str(action) for action in _as_list(statement["NotAction"])}
        return [action for action in VAULT_POLICY_ACTIONS if action not in spared]
    actions = {str(action) for action in _as_list(statement.get("Action"))}
    return [action for action in VAULT_POLICY_ACTIONS if action in actions]


def _actions_problem(statement: Mapping[str, Any]) -> Optional[rules.Violation]:
    element = "Action" if "Action" in statement else "NotAction"
    for action in _as_list(statement.get(element)):
        if not isinstance(action, str) or not action:
            return rules.Violation(f"{element} lists action names as text", "e.g. 'backup:DescribeBackupVault'")
        if "*" in action or "?" in action:
            # AWS Backup guide, "Vault access policies": vault access policies don't support a
            # wildcard in the Action key.
            return rules.Violation(
                f"{action!r}: AWS Backup vault access policies do not accept wildcards in actions",
                "list each action by name, e.g. 'backup:DescribeBackupVault'",
            )
        if not action.startswith("backup:"):
            # AWS Backup guide, "Vault access policies": they only control access to AWS Backup APIs.
            return rules.Violation(
                f"{action!r}: a vault access policy only governs AWS Backup API calls, so it would have no effect",
                "keep 'backup:' actions here; grant other services' actions in IAM policies",
            )
    return None


def _condition_problem(condition: Any) -> Optional[rules.Violation]:
    if not isinstance(condition, Mapping) or not all(isinstance(block, Mapping) for block in condition.values()):
        return rules.Violation(
            "a Condition maps operators to keys and values",
            "e.g. {'StringEquals': {'aws:PrincipalOrgID': 'o-a1b2c3d4e5'}}",
        )
    return None


def _statement_problems(
    index: int,
    statement: Any,
    sids: list[Any],
    *,
    deny_deletions: bool,
    break_glass_role_arn: Optional[str],
    account_id: Optional[str],
) -> list[tuple[str, rules.Violation]]:
    at = f"[{index}]"
    found: list[tuple[str, rules.Violation]] = []

    def problem(element: str, rule: str, fix: str) -> None:
        found.append((f"{at}.{element}" if element else at, rules.Violation(rule, fix)))

    if not isinstance(statement, Mapping):
        problem("", "a statement is a mapping of policy elements", "write Sid, Effect, Principal, Action, Resource")
        return found
    unknown = sorted(str(key) for key in statement if key not in STATEMENT_ELEMENTS)
    if unknown:
        problem("", f"{unknown} are not policy statement elements", f"use only {list(STATEMENT_ELEMENTS)}")
    sid = statement.get("Sid")
    if not isinstance(sid, str) or not sid:
        problem("Sid", "each statement of your own needs a Sid, unique in the policy", "e.g. 'AuditRoleReadsVault'")
    elif sid in (DENY_DELETIONS_SID, POLICY_CHANGES_SID, COPY_INTO_SID) or sids.count(sid) > 1:
        problem("Sid", f"Sid {sid!r} is already used in this vault's policy", "give each statement its own Sid")
    effect = statement.get("Effect")
    if effect not in ("Allow", "Deny"):
        problem("Effect", "Effect is 'Allow' or 'Deny'", "write one of the two")
    for element, negated in (("Principal", "NotPrincipal"), ("Action", "NotAction"), ("Resource", "NotResource")):
        if (element in statement) == (negated in statement):
            problem("", f"a statement holds exactly one of {element} and {negated}", f"write {element}")
    action_element = "Action" if "Action" in statement else "NotAction"
    if action_element in statement and (violation := _actions_problem(statement)):
        found.append((f"{at}.{action_element}", violation))
    if "Condition" in statement and (violation := _condition_problem(statement["Condition"])):
        found.append((f"{at}.Condition", violation))
    if effect == "Deny" and (locked := _denies_policy_changes_to_everyone(statement)):
        problem(
            "",
            f"this Deny of {locked} exempts no one (every principal, no Condition), so nobody could change or "
            "remove the vault's policy again, not even the next `pulumi up` of this stack",
            "exempt the roles that deploy the policy, e.g. a Condition "
            "{'ArnNotEquals': {'aws:PrincipalArn': [<deploy role ARN>]}}, or use vault.policy_admin_role_arns, "
            "which adds such a deny with its exemptions",
        )
    if (
        effect != "Allow"
        or not {"Principal", "NotPrincipal"} & set(statement)
        or not {"Action", "NotAction"} & set(statement)
    ):
        return found
    if "NotAction" in statement or "NotPrincipal" in statement:
        negated = "NotAction" if "NotAction" in statement else "NotPrincipal"
        problem(negated, f"an Allow with {negated} grants all it does not list", f"list what to allow in {negated[3:]}")
        return found
    principal = statement["Principal"]
    if _is_everyone(principal) and not statement.get("Condition"):
        problem(
            "Principal",
            "an Allow to every principal without a Condition opens the vault to any AWS account",
            "name the principals, or add a Condition such as aws:PrincipalOrgID",
        )
    actions = {str(action) for action in _as_list(statement["Action"])}
    protected = sorted(actions & set(PROTECTED_VAULT_ACTIONS))
    break_glass_only = bool(break_glass_role_arn) and _only_principal(principal) == break_glass_role_arn
    if deny_deletions and protected and not break_glass_only:
        # IAM guide, "Policy evaluation logic": an explicit deny in any policy overrides any allow.
        problem(
            "Action",
            f"{DENY_DELETIONS_SID} denies {protected} to everyone but the break-glass role, and an explicit deny "
            "always wins, so this Allow would do nothing",
            "remove those actions (or allow them to the break-glass role only), or set deny_deletions: false",
        )
    foreign = sorted(principal_accounts(principal) - {account_id}) if account_id else []
    other_actions = sorted(actions - {COPY_INTO_VAULT_ACTION})
    organization = _organization_condition(statement.get("Condition"))
    if _is_everyone(principal) and organization and other_actions:
        # AWS Backup guide, "Vault access policies": the same rule for accounts reached through
        # their organization (aws:PrincipalOrgID / aws:PrincipalOrgPaths).
        problem(
            "Principal",
            f"an Allow to every principal of the organization ({organization}) reaches other accounts, and AWS Backup "
            f"rejects other accounts' access for any action but {COPY_INTO_VAULT_ACTION}, so allowing {other_actions} "
            "would do nothing for them",
            f"allow the organization only {COPY_INTO_VAULT_ACTION}; give this account's roles the rest in IAM",
        )
        return found
    if foreign and other_actions:
        # AWS Backup guide, "Vault access policies": cross-account access for any action other
        # than backup:CopyIntoBackupVault is rejected, whatever the vault's access policy says.
        problem(
            "Principal",
            f"AWS Backup rejects other accounts' ({', '.join(foreign)}) access for any action but "
            f"{COPY_INTO_VAULT_ACTION}, so allowing {other_actions} would do nothing",
            f"allow other accounts only {COPY_INTO_VAULT_ACTION}; give an auditor a role in account {account_id}",
        )
    return found


def vault_statement_problems(
    statements: Sequence[Any],
    *,
    deny_deletions: bool = True,
    break_glass_role_arn: Optional[str] = None,
    account_id: Optional[str] = None,
) -> list[tuple[str, rules.Violation]]:
    """Problems of a caller's own vault access policy statements, each at ``[i]`` or ``[i].<Element>``.

    Each statement is a mapping of IAM policy elements with a ``Sid`` of its own. Refused: wildcard
    or non-``backup:`` actions (the guide "Vault access policies": no wildcards in ``Action``, and
    only AWS Backup APIs are governed); an ``Allow`` to everyone without a ``Condition``; an
    ``Allow`` of what the deny-deletions statement denies (an explicit deny wins, so it would do
    nothing); ``Allow`` with ``NotAction`` or ``NotPrincipal``; a ``Deny`` of changing or removing
    the vault's policy that exempts no one (nobody could ever change it again); and another account,
    named (when ``account_id`` is known) or reached through ``aws:PrincipalOrgID`` or
    ``aws:PrincipalOrgPaths``, allowed anything but ``backup:CopyIntoBackupVault`` (AWS rejects that).
    """
    sids = [statement.get("Sid") for statement in statements if isinstance(statement, Mapping)]
    found: list[tuple[str, rules.Violation]] = []
    for index, statement in enumerate(statements):
        found += _statement_problems(
            index,
            statement,
            sids,
            deny_deletions=deny_deletions,
            break_glass_role_arn=break_glass_role_arn,
            account_id=account_id,
        )
    return found


def vault_statement_warnings(statements: Sequence[Any]) -> list[str]:
    """Condition keys in ``backup:`` that AWS Backup does not define (a condition on an unknown key
    never matches); AWS adds keys, so this warns instead of failing."""
    found = []
    for index, statement in enumerate(statements):
        condition = statement.get("Condition") if isinstance(statement, Mapping) else None
        if not isinstance(condition, Mapping):
            continue
        for block in condition.values():
            for key in block if isinstance(block, Mapping) else ():
                if str(key).lower().startswith("backup:") and key not in BACKUP_CONDITION_KEYS:
                    found.append(
                        f"[{index}].Condition: {key!r} is not a condition key AWS Backup documented when this "
                        f"program was written ({', '.join(BACKUP_CONDITION_KEYS)}); a condition on it may never match"
                    )
    return found


def backup_key_policy(
    *,
    partition: str,
    account_id: str,
    region: str,
    copy_account_ids: Sequence[str] = (),
    copy_organization_id: Optional[str] = None,
) -> str:
    """Key policy for a vault's customer-managed key.

    - the account itself administers the key through IAM (the default KMS key policy statement,
      without which the key could become unmanageable);
    - AWS Backup in this account and region may use it (``kms:ViaService``);
    - the accounts that copies come from or go to may use it only through AWS Backup in
      ``region``, never directly.
    """
    via_backup = {"StringEquals": {"kms:ViaService": f"backup.{region}.amazonaws.com"}}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": root_arn(partition, account_id)},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "AwsBackupInThisAccountUsesKey",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [*KEY_USE_FOR_COPIES, "kms:CreateGrant"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"backup.{region}.amazonaws.com",
                    "kms:CallerAccount": account_id,
                }
            },
        },
    ]
    if copy_account_ids or copy_organization_id:
        principal, org_condition = _copy_principals(partition, copy_account_ids, copy_organization_id)
        condition: dict[str, Any] = {
            "StringEquals": {**via_backup["StringEquals"], **org_condition.get("StringEquals", {})}
        }
        statements.append(
            {
                "Sid": "CopyAccountsUseKeyThroughAwsBackup",
                "Effect": "Allow",
                "Principal": principal,
                "Action": list(KEY_USE_FOR_COPIES),
                "Resource": "*",
                "Condition": condition,
            }
        )
        statements.append(
            {
                "Sid": "CopyAccountsGrantToAwsServicesOnly",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {**condition, "Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    return _document(statements)


def notification_key_policy(*, partition: str, account_id: str) -> str:
    """Key policy for the notification topic's key: AWS Backup and EventBridge may encrypt to it.

    An SNS topic encrypted with the AWS-managed ``aws/sns`` key cannot receive messages from
    AWS services, hence a customer-managed key whose policy names them, for this account only.
    """
    return _document(
        [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": root_arn(partition, account_id)},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "BackupAndEventBridgePublishEncrypted",
                "Effect": "Allow",
                "Principal": {"Service": ["backup.amazonaws.com", "events.amazonaws.com"]},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ]
    )


def notification_topic_policy(*, topic_arn: str, account_id: str) -> str:
    """Topic policy: AWS Backup and EventBridge may publish, on behalf of this account only."""
    return _document(
        [
            {
                "Sid": "BackupAndEventBridgePublish",
                "Effect": "Allow",
                "Principal": {"Service": ["backup.amazonaws.com", "events.amazonaws.com"]},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ]
    )
