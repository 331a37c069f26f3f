"""The backup policies, as plain functions of plain values.

Each resource policy takes ``(type_, props, protect, stack_name)``: the Pulumi type token, the
resource's properties (camelCase wire names, plain dicts and lists), whether the resource is
protected, and the stack's name. It returns the violations it found as messages; an empty list
means the resource complies (or the policy does not apply to its type). The stack policies
(:func:`production_copies_off_region`, :func:`vault_keys_protected`) take every resource of the
stack at once, as :class:`Resource` values.

Values that Pulumi cannot know yet during a preview arrive as :data:`UNKNOWN`. A policy never
reports a violation it cannot prove: a value that is unknown in a preview is known by the time
``pulumi up`` registers the resource, and the policy runs again then.

Nothing here imports Pulumi, so the tests call exactly the code the policy pack runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, TypeGuard

VAULT = "aws:backup/vault:Vault"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
PLAN = "aws:backup/plan:Plan"
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
KMS_KEY = "aws:kms/key:Key"


class _Unknown:
    """A value Pulumi will only know after the deployment (shown as ``<unknown>``)."""

    def __repr__(self) -> str:
        return "<unknown>"


#: The one value that stands for "not known during this preview".
UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Resource:
    """One resource of a stack, as the stack policies see it."""

    type: str
    """Pulumi type token, e.g. ``aws:backup/plan:Plan``."""
    props: Mapping[str, Any]
    """Properties (for stack policies: the resource's outputs, which include its inputs)."""
    protect: bool = False
    """Whether the resource is protected. Default: ``False``."""
    urn: str = ""
    """The resource's URN, used to point a violation at it. Default: none."""
    region: Optional[str] = None
    """Region of the resource, when known: its own ``region`` (pulumi-aws 7), else its provider's.
    Default: unknown."""


@dataclass(frozen=True)
class Violation:
    """A violation of a stack policy, with the resource it concerns."""

    message: str
    urn: str = ""


ResourceCheck = Callable[[str, Mapping[str, Any], bool, str], list[str]]


def _known(value: Any) -> bool:
    return value is not UNKNOWN


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- backup-vault-encrypted ------------------------------------------------------------------


def vault_encrypted(type_: str, props: Mapping[str, Any], protect: bool, stack_name: str) -> list[str]:
    """A vault names the KMS key that encrypts it (``kmsKeyArn``).

    Without one AWS Backup silently uses the AWS-managed ``aws/backup`` key; an explicit key
    keeps the choice visible in review (and a customer-managed key is what cross-account
    copies need).
    """
    if type_ != VAULT:
        return []
    key = props.get("kmsKeyArn")
    if key is UNKNOWN or (isinstance(key, str) and key.strip()):
        return []
    return [
        f"vault {props.get('name', '<unnamed>')!r} has no kmsKeyArn: set the KMS key that encrypts "
        "its recovery points (the aws/backup key's ARN at least, a customer-managed key for copies "
        "to other accounts)."
    ]


# --- backup-rule-has-retention ---------------------------------------------------------------


def rules_have_retention(type_: str, props: Mapping[str, Any], protect: bool, stack_name: str) -> list[str]:
    """Every rule of a plan has a lifecycle with ``deleteAfter`` (days, > 0).

    A rule without one keeps recovery points forever: storage grows without bound and nobody
    decided how long backups are kept.
    """
    if type_ != PLAN:
        return []
    rules = props.get("rules")
    if not _known(rules) or not isinstance(rules, Sequence):
        return []
    plan = props.get("name", "<unnamed>")
    messages = []
    for index, rule in enumerate(rules):
        if not _known(rule) or not isinstance(rule, Mapping):
            continue
        name = rule.get("ruleName", f"rules[{index}]")
        lifecycle = rule.get("lifecycle")
        if not _known(lifecycle):
            continue
        delete_after = lifecycle.get("deleteAfter") if isinstance(lifecycle, Mapping) else None
        if not _known(delete_after) or (_number(delete_after) and delete_after > 0):
            continue
        messages.append(
            f"plan {plan!r} rule {name!r} has no lifecycle.deleteAfter: set how many days its "
            "recovery points are kept (delete_after_days)."
        )
    return messages


# --- windows-plan-uses-vss -------------------------------------------------------------------


def windows_plans_use_vss(type_: str, props: Mapping[str, Any], protect: bool, stack_name: str) -> list[str]:
    """A plan whose name contains "windows" (any case) turns Windows VSS on for EC2.

    Without VSS a Windows instance is backed up crash-consistent only: databases and
    applications restore as after a power cut.
    """
    if type_ != PLAN:
        return []
    name = props.get("name")
    if not isinstance(name, str) or "windows" not in name.lower():
        return []
    settings = props.get("advancedBackupSettings")
    if not _known(settings):
        return []
    for setting in settings or []:
        if not _known(setting):
            return []  # cannot tell in this preview
        if not isinstance(setting, Mapping):
            continue
        options = setting.get("backupOptions")
        if not _known(setting.get("resourceType")) or not _known(options):
            return []
        if setting.get("resourceType") == "EC2" and isinstance(options, Mapping):
            vss = options.get("WindowsVSS")
            if vss is UNKNOWN or vss == "enabled":
                return []
    return [
        f"plan {name!r} is for Windows but does not enable Windows VSS for EC2: add the advanced "
        'backup setting resource_type "EC2", backup_options {"WindowsVSS": "enabled"} '
        "(windows_vss: true)."
    ]


# --- backup-vault-protected ------------------------------------------------------------------

#: Resources that hold recovery points.
VAULT_TYPES = (VAULT, AIR_GAPPED_VAULT)


def vault_protected(type_: str, props: Mapping[str, Any], protect: bool, stack_name: str) -> list[str]:
    """Vaults (standard and logically air-gapped) are registered with ``protect=True``.

    Protection makes ``pulumi destroy``, a rename or a replacement fail instead of deleting the
    vault and every recovery point in it.
    """
    if type_ not in VAULT_TYPES or protect:
        return []
    return [
        f"vault {props.get('name')!r} is not protected: register it with ResourceOptions(protect=True) "
        "so that no destroy or replacement can delete it."
    ]


# --- no-public-principal ---------------------------------------------------------------------

#: Condition keys that tie a request to an organization or account.
ORG_OR_ACCOUNT_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:SourceAccount",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "kms:CallerAccount",
    )
)
#: Operators that only match the listed values (no negation, no "...IfExists" escape hatch).
MATCHING_OPERATORS = frozenset(
    op.lower() for op in ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike")
)
#: Resource types whose ``policy`` property is a resource policy this check reads.
POLICY_DOCUMENT_TYPES = (VAULT_POLICY, KMS_KEY)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_wildcard_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any(value == "*" for values in principal.values() for value in _as_list(values))
    return False


def _concrete(value: Any) -> bool:
    """An org ID, account ID or ARN with no wildcard, or an org path whose wildcards come only
    after its organization ID (``o-a1b2c3d4e5/r-ab12/*``)."""
    if not isinstance(value, str):
        return False
    head = value.split("/", 1)[0]
    return bool(head) and "*" not in head and "?" not in head


def _constraining_keys(condition: Any) -> set[str]:
    """Org/account keys a Condition block pins to concrete values."""
    keys: set[str] = set()
    if not isinstance(condition, Mapping):
        return keys
    for operator, block in condition.items():
        base = str(operator)
        if base.lower().startswith("foranyvalue:"):
            base = base.split(":", 1)[1]
        if base.lower() not in MATCHING_OPERATORS or not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            listed = _as_list(values)
            if str(key).lower() in ORG_OR_ACCOUNT_KEYS and listed and all(_concrete(v) for v in listed):
                keys.add(str(key))
    return keys


def policy_document_problems(document: Any) -> list[str]:
    """Why a resource policy document opens access to anyone (empty: it does not).

    A statement is public when it Allows to ``*`` (``"*"`` or ``{"AWS": "*"}``) or uses
    ``NotPrincipal`` with Allow, and no Condition pins the caller's organization or account
    (one of :data:`ORG_OR_ACCOUNT_KEYS` with a matching operator and concrete values). Deny
    statements may name ``*``: they only ever take access away (the vault policy denies
    deletions to everyone that way).
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as error:
            return [f"the policy is not valid JSON ({error})."]
    if not isinstance(document, Mapping):
        return ["the policy is not a JSON object."]
    problems = []
    for index, statement in enumerate(_as_list(document.get("Statement"))):
        if not isinstance(statement, Mapping):
            problems.append(f"statement {index} is not a JSON object.")
            continue
        label = repr(statement.get("Sid")) if statement.get("Sid") else f"{index}"
        if statement.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in statement:
            problems.append(
                f"statement {label} allows with NotPrincipal, which grants to everyone not listed: "
                "name the principals in Principal instead."
            )
            continue
        if not _is_wildcard_principal(statement.get("Principal")):
            continue
        if "Condition" not in statement:
            problems.append(
                f"statement {label} allows principal '*' with no Condition: anyone, in any account, "
                "gets these actions. Name the accounts, or add an aws:PrincipalOrgID / "
                "aws:PrincipalAccount / kms:CallerAccount condition."
            )
        elif not _constraining_keys(statement["Condition"]):
            problems.append(
                f"statement {label} allows principal '*' and its Condition does not pin an "
                "organization or account: add aws:PrincipalOrgID, aws:PrincipalAccount, "
                "aws:SourceAccount or kms:CallerAccount with StringEquals and concrete values."
            )
    return problems


def no_public_principal(type_: str, props: Mapping[str, Any], protect: bool, stack_name: str) -> list[str]:
    """Vault access policies and KMS key policies grant nothing to ``*`` unless an
    organization or account condition constrains it (see :func:`policy_document_problems`)."""
    if type_ not in POLICY_DOCUMENT_TYPES:
        return []
    document = props.get("policy")
    if document is None or document == "" or not _known(document):
        return []  # a key with no policy gets KMS's default: the account's own root, no one else
    what = "vault access policy" if type_ == VAULT_POLICY else "KMS key policy"
    return [f"{what}: {problem}" for problem in policy_document_problems(document)]


# --- production-copies-off-region (stack policy) --------------------------------------------

#: Stacks whose name starts with this are production: they must keep a copy in another region.
PRODUCTION_PREFIX = "prod"


def arn_region(arn: Any) -> Optional[str]:
    """The region field of an ARN (``arn:partition:service:region:account:resource``), if any."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[3]:
        return None
    return parts[3]


def is_production(stack_name: str) -> bool:
    """Whether the stack is a production stack (its name starts with ``prod``)."""
    return stack_name.lower().startswith(PRODUCTION_PREFIX)


def production_copies_off_region(resources: Iterable[Resource], stack_name: str) -> list[Violation]:
    """In a production stack every rule of every plan copies to a vault in another region.

    A plan's region is its ARN's (outputs), else its own or its provider's. A copy counts when its
    ``destinationVaultArn`` names a different region. A rule whose plan region or copy ARNs are
    unknown (a preview before the destination vault exists) is not judged.
    """
    if not is_production(stack_name):
        return []
    violations = []
    for resource in resources:
        if resource.type != PLAN:
            continue
        props = resource.props
        region = arn_region(props.get("arn")) or resource.region
        rules = props.get("rules")
        if region is None or not _known(rules) or not isinstance(rules, Sequence):
            continue
        plan = props.get("name", "<unnamed>")
        for index, rule in enumerate(rules):
            if not _known(rule) or not isinstance(rule, Mapping):
                continue
            copies = rule.get("copyActions")
            if not _known(copies):
                continue
            arns = [copy.get("destinationVaultArn") if isinstance(copy, Mapping) else None for copy in copies or []]
            if any(not _known(arn) for arn in arns):
                continue
            if any((arn_region(arn) or region) != region for arn in arns):
                continue
            name = rule.get("ruleName", f"rules[{index}]")
            violations.append(
                Violation(
                    f"production stack {stack_name!r}: plan {plan!r} rule {name!r} (in {region}) has no "
                    "copy action into a vault in another region: add a copy_actions entry whose "
                    "destination vault lives in a second region (copy B of 3-2-1).",
                    resource.urn,
                )
            )
    return violations


# --- vault-keys-protected (stack policy) ----------------------------------------------------

#: Where each vault type names the key that encrypts it.
VAULT_KEY_PROPERTIES = {VAULT: "kmsKeyArn", AIR_GAPPED_VAULT: "encryptionKeyArn"}


def vault_keys_protected(resources: Iterable[Resource], stack_name: str) -> list[Violation]:
    """A KMS key of this stack that encrypts one of its vaults is protected.

    Losing that key makes every recovery point it encrypted unreadable, so it needs the same
    protection as the vault. Keys with other jobs (an SNS topic's, say) are not concerned.
    Matches vaults' key ARNs with keys' ``arn`` outputs; a key whose ARN is not known yet (a
    preview before it exists) is not judged.
    """
    resources = list(resources)
    vault_keys = {
        key
        for resource in resources
        if resource.type in VAULT_KEY_PROPERTIES
        and isinstance(key := resource.props.get(VAULT_KEY_PROPERTIES[resource.type]), str)
    }
    violations = []
    for resource in resources:
        arn = resource.props.get("arn")
        if resource.type == KMS_KEY and isinstance(arn, str) and arn in vault_keys and not resource.protect:
            violations.append(
                Violation(
                    f"KMS key {arn} encrypts a backup vault but is not protected: register it with "
                    "ResourceOptions(protect=True), or a destroy or replacement schedules its deletion "
                    "and the recovery points it encrypts become unreadable.",
                    resource.urn,
                )
            )
    return violations


#: Every resource policy: name, description (shown by Pulumi), the function.
RESOURCE_POLICIES: dict[str, tuple[str, ResourceCheck]] = {
    "backup-vault-encrypted": (
        "Every AWS Backup vault names the KMS key that encrypts it (kmsKeyArn).",
        vault_encrypted,
    ),
    "backup-rule-has-retention": (
        "Every backup rule has a lifecycle with deleteAfter, so recovery points expire.",
        rules_have_retention,
    ),
    "windows-plan-uses-vss": (
        'A backup plan whose name contains "windows" enables Windows VSS for EC2.',
        windows_plans_use_vss,
    ),
    "backup-vault-protected": (
        "Backup vaults are protected (protect=True) against destroy and replacement.",
        vault_protected,
    ),
    "no-public-principal": (
        "Vault access policies and KMS key policies allow '*' only under an organization or account condition.",
        no_public_principal,
    ),
}

StackCheck = Callable[[Iterable[Resource], str], list[Violation]]

#: Every stack policy: name, description, the function.
STACK_POLICIES: dict[str, tuple[str, StackCheck]] = {
    "production-copies-off-region": (
        'In stacks named "prod...", every backup rule copies to a vault in another region.',
        production_copies_off_region,
    ),
    "vault-keys-protected": (
        "KMS keys that encrypt backup vaults are protected (protect=True).",
        vault_keys_protected,
    ),
}


__all__ = [
    "AIR_GAPPED_VAULT",
    "KMS_KEY",
    "PLAN",
    "RESOURCE_POLICIES",
    "STACK_POLICIES",
    "UNKNOWN",
    "VAULT",
    "VAULT_POLICY",
    "Resource",
    "ResourceCheck",
    "StackCheck",
    "Violation",
    "arn_region",
    "is_production",
    "no_public_principal",
    "policy_document_problems",
    "production_copies_off_region",
    "rules_have_retention",
    "vault_encrypted",
    "vault_keys_protected",
    "vault_protected",
    "windows_plans_use_vss",
]
