"""Every IAM and KMS policy document the stacks register passes parliament's lint.

Parliament (https://github.com/duo-labs/parliament) checks documents against AWS's IAM model:
malformed statements, unknown principals, actions that do not fit their resources, condition
keys an action does not support. Its findings carry a severity (INFO, LOW, MEDIUM, HIGH,
CRITICAL); nothing above LOW is allowed here.

Two adaptations, because parliament is written for identity policies:
- A role's trust policy has no Resource (it is implicitly the role), which parliament reports
  as MALFORMED. It is linted with ``Resource`` set to the role's own ARN, which is what the
  trust policy governs.
- LOW findings are expected and allowed: RESOURCE_STAR on key and vault policies, whose
  ``"Resource": "*"`` means "this key" / "this vault" and is the only form AWS accepts there;
  UNKNOWN_ACTION would be LOW too (parliament's action list can lag behind AWS's).

Parliament's community auditors (identity-policy heuristics) run as a second pass; the findings
they must ignore are listed in :data:`COMMUNITY_IGNORES`, each with its reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import parliament
import pytest
from conftest import FIXTURES_DIR
from parliament import analyze_policy_string, enhance_finding

from offline import OfflineRun, stack_names

STACKS = stack_names(FIXTURES_DIR)
SEVERITIES = ["MUTE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]

#: The resource types and properties that hold policy documents, and what kind of document each is.
DOCUMENT_PROPERTIES: dict[tuple[str, str], str] = {
    ("aws:iam/role:Role", "assumeRolePolicy"): "trust",
    ("aws:iam/policy:Policy", "policy"): "identity",
    ("aws:iam/rolePolicy:RolePolicy", "policy"): "identity",
    ("aws:kms/key:Key", "policy"): "kms-key",
    ("aws:backup/vaultPolicy:VaultPolicy", "policy"): "vault",
    ("aws:sns/topicPolicy:TopicPolicy", "policy"): "topic",
    ("aws:s3/bucketPolicy:BucketPolicy", "policy"): "bucket",
}
#: Input names that hold a policy document on any AWS resource type.
POLICY_INPUT_NAMES = {"policy", "assumeRolePolicy", "accessPolicy", "resourcePolicy"}

ROOT_PRINCIPAL = re.compile(r"^arn:aws[-a-z]*:iam::\d{12}:root$")


class Document(NamedTuple):
    """One policy document of a stack."""

    label: str
    kind: str
    body: dict[str, Any]
    account: str = ""
    """Account of the resource holding the document (from its ARN), when known."""


def _account_of(arn: Any) -> str:
    parts = str(arn or "").split(":")
    return parts[4] if len(parts) > 5 else ""


def _statements(body: dict[str, Any]) -> list[dict[str, Any]]:
    statements = body.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def stack_documents(run: OfflineRun) -> list[Document]:
    """Every policy document the run registers, trust policies with their role's ARN as Resource."""
    documents = []
    for registration in run.resources:
        for (type_, prop), kind in DOCUMENT_PROPERTIES.items():
            if registration.type != type_ or not registration.inputs.get(prop):
                continue
            raw = registration.inputs[prop]
            body = json.loads(raw) if isinstance(raw, str) else dict(raw)
            if kind == "trust":
                body = {
                    **body,
                    "Statement": [{**s, "Resource": registration.outputs["arn"]} for s in _statements(body)],
                }
            label = f"{run.settings.stack}:{type_}::{registration.name}.{prop}"
            documents.append(Document(label, kind, body, _account_of(registration.outputs.get("arn"))))
    return documents


def findings_above_low(body: dict[str, Any], community: bool = False) -> list[tuple[str, str, str]]:
    """(issue, severity, detail) of every finding above LOW, core auditors or community ones."""
    policy = analyze_policy_string(json.dumps(body), include_community_auditors=community)
    found = []
    for finding in policy.findings:
        finding = enhance_finding(finding)
        if SEVERITIES.index(finding.severity) > SEVERITIES.index("LOW"):
            found.append((finding.issue, finding.severity, str(finding.detail)))
    return found


# --- Community auditors: what they must ignore, and why --------------------------------------


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _single(statement: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [statement]}


def _is_service_trust(statement: dict[str, Any], document: Document) -> bool:
    """Only sts:AssumeRole, only for AWS service principals."""
    principal = statement.get("Principal") or {}
    return (
        _as_list(statement.get("Action")) == ["sts:AssumeRole"]
        and isinstance(principal, dict)
        and set(principal) == {"Service"}
    )


def _is_own_root_admin(statement: dict[str, Any], document: Document) -> bool:
    """Allow to the key's own account root (not another account's)."""
    named = statement.get("Principal") or {}
    principal = named.get("AWS") if isinstance(named, dict) else named  # "*" names everyone, not the root
    if statement.get("Effect") != "Allow" or not isinstance(principal, str) or not document.account:
        return False
    return ROOT_PRINCIPAL.match(principal) is not None and principal.split(":")[4] == document.account


def _grant_only_through_aws_services(statement: dict[str, Any], document: Document) -> bool:
    """kms:CreateGrant is the statement's only permissions-management action, and grants can
    only be made through an AWS service (kms:ViaService pinned, or kms:GrantIsForAWSResource)."""
    condition = statement.get("Condition") or {}
    keys = {
        key.lower(): value for block in condition.values() if isinstance(block, dict) for key, value in block.items()
    }
    through_service = "kms:viaservice" in keys or str(keys.get("kms:grantisforawsresource")).lower() == "true"
    actions = _as_list(statement.get("Action"))
    rest = [action for action in actions if str(action).lower() != "kms:creategrant"]
    if not through_service or len(rest) == len(actions):
        return False
    return not rest or all(
        issue != "PERMISSIONS_MANAGEMENT_ACTIONS"
        for issue, _, _ in findings_above_low(_single({**statement, "Action": rest}), community=True)
    )


def _passes_named_roles_to_one_service(statement: dict[str, Any], document: Document) -> bool:
    """Only iam:PassRole, on named roles (no wildcard), to one service pinned by iam:PassedToService."""
    resources = _as_list(statement.get("Resource"))
    passed_to = (statement.get("Condition") or {}).get("StringEquals", {}).get("iam:PassedToService")
    return (
        statement.get("Effect") == "Allow"
        and _as_list(statement.get("Action")) == ["iam:PassRole"]
        and bool(resources)
        and all(":role/" in str(arn) and "*" not in str(arn) for arn in resources)
        and isinstance(passed_to, str)
    )


#: (document kind, community issue) -> (the statements it may be ignored for, and why).
COMMUNITY_IGNORES: dict[tuple[str, str], list[tuple[Callable[[dict[str, Any], Document], bool], str]]] = {
    ("trust", "CREDENTIALS_EXPOSURE"): [
        (
            _is_service_trust,
            "sts:AssumeRole returns credentials: in a trust policy that lets an AWS service assume "
            "the role, that is the policy's whole purpose (the auditor is written for identity policies).",
        )
    ],
    ("identity", "PERMISSIONS_MANAGEMENT_ACTIONS"): [
        (
            _passes_named_roles_to_one_service,
            "restoring an instance with its own instance profile needs iam:PassRole on the profile's role; "
            "limited to those named roles and to EC2 (iam:PassedToService), the restore role cannot hand any "
            "other role to anything.",
        )
    ],
    ("kms-key", "PERMISSIONS_MANAGEMENT_ACTIONS"): [
        (
            _is_own_root_admin,
            "kms:* to the key's own account root is KMS's default key policy statement: IAM policies "
            "in that account administer the key; without it the key can become unmanageable. It "
            "grants nothing outside the account.",
        ),
        (
            _grant_only_through_aws_services,
            "AWS Backup needs kms:CreateGrant to encrypt and copy recovery points with a "
            "customer-managed key; pinned to kms:ViaService / kms:GrantIsForAWSResource, a grant can "
            "only be created by an AWS service acting for the caller, never handed out directly.",
        ),
    ],
}


def community_findings(document: Document) -> list[tuple[str, str, str]]:
    """Community findings above LOW, statement by statement, minus the documented ignores."""
    found = []
    for index, statement in enumerate(_statements(document.body)):
        for issue, severity, detail in findings_above_low(_single(statement), community=True):
            ignores = COMMUNITY_IGNORES.get((document.kind, issue), [])
            if any(applies(statement, document) for applies, _ in ignores):
                continue
            found.append((f"statement {statement.get('Sid', index)}: {issue}", severity, detail))
    return found


@pytest.fixture(scope="module", autouse=True)
def community_auditor_severities():
    """Parliament keeps the community auditors' severities in a separate file, as its CLI loads it."""
    parliament.override_config(str(Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml"))


# --- The stacks' documents ------------------------------------------------------------------


@pytest.fixture
def documents(fixture_run) -> Callable[[str], list[Document]]:
    def get(stack: str) -> list[Document]:
        run = fixture_run(stack)
        assert run.error is None, f"{stack}: {run.error}"
        return stack_documents(run)

    return get


@pytest.mark.parametrize("stack", STACKS)
def test_every_policy_document_is_linted(fixture_run, stack):
    """No document escapes the lint: every policy-like input is of a type listed above."""
    run = fixture_run(stack)
    unlisted = sorted(
        f"{r.type}.{name}"
        for r in run.resources
        for name in POLICY_INPUT_NAMES & set(r.inputs)
        if (r.type, name) not in DOCUMENT_PROPERTIES
    )
    assert unlisted == [], "add these to DOCUMENT_PROPERTIES so parliament lints them"


def test_the_dev_stack_has_documents_to_lint(documents):
    kinds = sorted(d.kind for d in documents("seed"))
    assert "trust" in kinds, kinds


@pytest.mark.parametrize("stack", STACKS)
def test_no_finding_above_low(documents, stack):
    found = {d.label: f for d in documents(stack) if (f := findings_above_low(d.body))}
    assert found == {}


@pytest.mark.parametrize("stack", STACKS)
def test_no_community_finding_above_low_beyond_the_documented_ignores(documents, stack):
    found = {d.label: f for d in documents(stack) if (f := community_findings(d))}
    assert found == {}


# --- The lint catches bad documents ---------------------------------------------------------


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_lint_flags_a_malformed_principal():
    bad = _doc(
        {"Effect": "Allow", "Principal": {"AWS": "12345"}, "Action": "backup:CopyIntoBackupVault", "Resource": "*"}
    )
    assert [(issue, severity) for issue, severity, _ in findings_above_low(bad)] == [("UNKNOWN_PRINCIPAL", "MEDIUM")]


def test_lint_flags_an_action_on_a_resource_it_cannot_apply_to():
    bad = _doc({"Effect": "Allow", "Action": "ec2:CreateSnapshot", "Resource": "arn:aws:s3:::backups"})
    assert [(issue, severity) for issue, severity, _ in findings_above_low(bad)] == [("RESOURCE_MISMATCH", "MEDIUM")]


def test_lint_flags_an_invalid_effect():
    bad = _doc({"Effect": "Permit", "Action": "backup:StartBackupJob", "Resource": "*"})
    assert [(issue, severity) for issue, severity, _ in findings_above_low(bad)] == [("MALFORMED", "HIGH")]


def test_lint_flags_a_trust_policy_linted_without_its_resource():
    """Why trust policies get their role's ARN: parliament rejects a statement with no Resource."""
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"})
    assert [(issue, severity) for issue, severity, _ in findings_above_low(trust)] == [("MALFORMED", "HIGH")]


def test_community_pass_flags_not_principal_with_allow_even_in_a_key_policy():
    bad = Document(
        "fixture",
        "kms-key",
        _doc(
            {
                "Sid": "Everyone",
                "Effect": "Allow",
                "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:Decrypt",
                "Resource": "*",
            }
        ),
    )
    assert [(issue, severity) for issue, severity, _ in community_findings(bad)] == [
        ("statement Everyone: NOTPRINCIPAL_WITH_ALLOW", "MEDIUM")
    ]


def _admin(principal: str, sid: str = "Admin") -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "kms:*", "Resource": "*"}


def test_community_root_ignore_is_limited_to_the_keys_own_account():
    own = Document("fixture", "kms-key", _doc(_admin("arn:aws:iam::123456789012:root")), "123456789012")
    assert community_findings(own) == []
    for principal in ("arn:aws:iam::999999999999:root", "arn:aws:iam::123456789012:role/admin"):
        other = Document("fixture", "kms-key", _doc(_admin(principal)), "123456789012")
        assert [issue for issue, _, _ in community_findings(other)] == [
            "statement Admin: PERMISSIONS_MANAGEMENT_ACTIONS"
        ]


def test_community_grant_ignore_needs_an_aws_service_condition_and_nothing_else_risky():
    def grant(actions: list[str], condition: Any) -> Document:
        statement = {
            "Sid": "Grant",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": actions,
            "Resource": "*",
        }
        if condition:
            statement["Condition"] = condition
        return Document("fixture", "kms-key", _doc(statement), "123456789012")

    via_backup = {"StringEquals": {"kms:ViaService": "backup.us-east-1.amazonaws.com"}}
    assert community_findings(grant(["kms:CreateGrant", "kms:Decrypt"], via_backup)) == []
    reported = ["statement Grant: PERMISSIONS_MANAGEMENT_ACTIONS"]
    assert [i for i, _, _ in community_findings(grant(["kms:CreateGrant"], None))] == reported
    assert [i for i, _, _ in community_findings(grant(["kms:CreateGrant", "kms:PutKeyPolicy"], via_backup))] == reported
