"""No AWS credential in the repository's config and doc files.

Pulumi takes AWS credentials from the usual chain (environment, SSO, profile); nothing in the
repository should ever hold one, not even a placeholder: the article this project follows puts
literal access and secret keys in its Terraform provider block, and that habit is exactly what
leaks real keys.

Scanned: the files git tracks, and new files it does not ignore, whose names match
:data:`SCANNED` (stack files, docs, code, config). Found values are shown masked, so a failing
run does not print a real key into CI logs. A line that must hold a credential-shaped dummy (a
stubbed boto3 session in a test, say) says so with the comment ``pragma: allowlist secret``
(detect-secrets' marker), which a reviewer will see.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCANNED = ("Pulumi.*.yaml", "*.md", "*.py", "*.yml", "*.yaml", "*.toml", "*.txt", "*.cfg", "*.ini", "*.json")

#: AWS access key IDs: long-term (AKIA) and temporary (ASIA), 20 characters in all.
ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
#: A 40-character secret-looking value right after a secret-ish key name.
SECRET_VALUE = re.compile(
    r"(?i)(?:aws_secret_access_key|secret_access_key|secretaccesskey|secret_key|secretkey|secret)"
    r"[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
)
#: Assignments of a literal value (quoted, or bare as in an INI credentials file) to access_key,
#: secret_key, aws_access_key_id and friends, in any language or config format.
KEY_ASSIGNMENT = re.compile(
    r"(?im)(?<![A-Za-z0-9_])(?P<key>aws_access_key_id|aws_secret_access_key|aws_session_token|access_key(?:_id)?|secret_key)"
    r"[\"']?\s*[:=]\s*(?:(?P<q>[\"'])(?P<quoted>[^\"'\n]+)(?P=q)|(?P<bare>[A-Za-z0-9/+=]{16,})\s*$)"
)
#: Pulumi's AWS provider config keys that hold credentials; only ``secure:`` values are allowed.
CREDENTIAL_CONFIG_KEYS = ("aws:accessKey", "aws:secretKey", "aws:token")
CREDENTIAL_CONFIG_LINE = re.compile(r"(?m)^\s*(?P<key>aws:(?:accessKey|secretKey|token))\s*:\s*(?P<value>\S.*?)\s*$")
#: Marks a line whose credential-shaped value is a known dummy.
ALLOWLIST_MARKER = "pragma: allowlist secret"
# Values that refer to a credential instead of holding one.
REFERENCE = re.compile(r"^(\$\{.*\}|\{\{.*\}\}|<[^>]*>|var\.[\w.]+|\$[A-Z_]+|env\(.*\)|os\.environ.*)$")


class Finding(NamedTuple):
    """Something that looks like a credential: where, what kind, and the value masked."""

    path: str
    line: int
    kind: str
    masked: str


def mask(value: str) -> str:
    """The first four characters and the length: enough to find it, not enough to use it."""
    return f"{value[:4]}...({len(value)} chars)"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def find_credentials(text: str, path: str = "<text>") -> list[Finding]:
    """Every credential-looking value in ``text``, in order of appearance."""
    findings = []
    for match in ACCESS_KEY_ID.finditer(text):
        findings.append(Finding(path, _line_of(text, match.start()), "access key ID", mask(match.group())))
    for match in SECRET_VALUE.finditer(text):
        findings.append(Finding(path, _line_of(text, match.start()), "secret access key", mask(match.group("value"))))
    for match in KEY_ASSIGNMENT.finditer(text):
        value = match.group("quoted") or match.group("bare") or ""
        if value.strip() and not REFERENCE.match(value.strip()):
            findings.append(
                Finding(path, _line_of(text, match.start()), f"{match.group('key').lower()} literal", mask(value))
            )
    for match in CREDENTIAL_CONFIG_LINE.finditer(text):
        value = match.group("value")
        if not value.startswith(("secure:", "{secure:", "{ secure:", "#")):
            findings.append(
                Finding(path, _line_of(text, match.start()), f"plaintext {match.group('key')}", mask(value))
            )
    lines = text.splitlines()
    allowed = {number for number, line in enumerate(lines, start=1) if ALLOWLIST_MARKER in line}
    return sorted({f for f in findings if f.line not in allowed}, key=lambda f: (f.line, f.kind))


def plaintext_stack_credentials(stack_file: dict[str, Any], path: str = "<stack>") -> list[Finding]:
    """Credential config keys of a parsed ``Pulumi.<stack>.yaml`` whose value is not ``{secure: ...}``."""
    config = (stack_file or {}).get("config") or {}
    findings = []
    for key in CREDENTIAL_CONFIG_KEYS:
        if key in config:
            value = config[key]
            if not (isinstance(value, dict) and set(value) == {"secure"}):
                findings.append(Finding(path, 0, f"plaintext {key}", mask(str(value))))
    return findings


def scanned_files() -> list[Path]:
    """Tracked and not-ignored new files whose names match :data:`SCANNED`."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=PROJECT_DIR,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    return [
        PROJECT_DIR / name
        for name in listed
        if name and any(fnmatch.fnmatch(Path(name).name, pattern) for pattern in SCANNED)
    ]


# --- The repository -------------------------------------------------------------------------


def test_the_scan_covers_the_stack_files_and_code():
    names = {path.relative_to(PROJECT_DIR).as_posix() for path in scanned_files()}
    assert {"Pulumi.yaml", "__main__.py", "requirements.txt", "tests/stacks/Pulumi.seed.yaml"} <= names
    assert {path.name for path in PROJECT_DIR.glob("Pulumi.*.yaml")} <= names


def test_no_credential_in_the_repository():
    findings = []
    for path in scanned_files():
        if path.is_file():  # a tracked file deleted in the work tree has nothing to leak
            text = path.read_text(encoding="utf-8", errors="replace")
            findings += find_credentials(text, path.relative_to(PROJECT_DIR).as_posix())
    assert findings == []


def test_no_plaintext_credential_in_stack_files():
    findings = []
    for path in sorted([*PROJECT_DIR.glob("Pulumi.*.yaml"), *PROJECT_DIR.glob("tests/stacks/Pulumi.*.yaml")]):
        findings += plaintext_stack_credentials(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    assert findings == []


# --- The detector, on one bad string per pattern --------------------------------------------
# Each fixture is assembled from pieces so that this file itself holds no matching string.

FAKE_KEY_ID = "AKIA" + "Z7QX3M2K9LWP4RTN"  # 20 characters, the shape of a long-term key ID
FAKE_SESSION_KEY_ID = "ASIA" + "Q2W3E4R5T6Y7U8I9"
FAKE_SECRET = "wJalr" + "XUtnFEMI/K7MDENG/bPxRfiCYzz9q8w7v6u"  # 40 characters, like a secret access key
PLACEHOLDER = "ASDF" * 6  # the article's provider block uses this for both keys


@pytest.mark.parametrize(
    "text, kind",
    [
        (f"export AWS_ACCESS_KEY_ID={FAKE_KEY_ID}", "access key ID"),
        (f"key: {FAKE_SESSION_KEY_ID}", "access key ID"),
        (f"aws_secret_access_key = {FAKE_SECRET}", "secret access key"),
        (f'"SecretAccessKey": "{FAKE_SECRET}"', "secret access key"),
        ("  access_" + f'key = "{PLACEHOLDER}"', "access_key literal"),
        ("  secret_" + f'key = "{PLACEHOLDER}"', "secret_key literal"),
        ("aws_access_key_" + "id = ABCDEFGHIJKLMNOPQRST0", "aws_access_key_id literal"),
        ("provider = aws.Provider('p', access_key" + "='not-a-real-one')", "access_key literal"),
        ("config:\n  aws:secret" + "Key: hunter2-plaintext\n", "plaintext aws:secretKey"),
        ("  aws:access" + "Key: 'plain'\n", "plaintext aws:accessKey"),
    ],
)
def test_detector_catches(text, kind):
    assert kind in [finding.kind for finding in find_credentials(text)]


def test_detector_catches_the_articles_provider_block():
    block = "\n".join(
        [
            'provider "aws" {',
            "  region  = var.aws_region",
            "  access_" + f'key = "{PLACEHOLDER}"',
            "  secret_" + f'key = "{PLACEHOLDER}"',
            "}",
        ]
    )
    assert find_credentials(block, "main.tf") == [
        Finding("main.tf", 3, "access_key literal", "ASDF...(24 chars)"),
        Finding("main.tf", 4, "secret_key literal", "ASDF...(24 chars)"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Pulumi uses the AWS credential chain: set aws:profile, never keys.",
        "  aws:secret" + "Key:\n    secure: AAABAMx0c2VjcmV0IHZhbHVl\n",  # encrypted by Pulumi
        "  aws:secret" + "Key: {secure: AAABAMx0c2VjcmV0IHZhbHVl}\n",
        "access_key = var.access_key_from_vault",
        'access_key = "${var.access_key}"',
        "access_key = os.environ['AWS_ACCESS_KEY_ID']",
        "KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'",
        "AKIA" + "SHORT",  # not 20 characters
        "XAKIA" + "Z7QX3M2K9LWP4RTN",  # part of a longer token
    ],
)
def test_detector_leaves_references_and_lookalikes_alone(text):
    assert find_credentials(text) == []


def test_stack_file_check_wants_secure_values():
    plain = {"config": {"aws:region": "us-east-1", "aws:secret" + "Key": "plaintext", "aws:token": {"value": "x"}}}
    assert plaintext_stack_credentials(plain, "Pulumi.bad.yaml") == [
        Finding("Pulumi.bad.yaml", 0, "plaintext aws:secretKey", "plai...(9 chars)"),
        Finding("Pulumi.bad.yaml", 0, "plaintext aws:token", "{'va...(14 chars)"),
    ]
    encrypted = {"config": {"aws:secret" + "Key": {"secure": "AAABAMx0c2VjcmV0"}}}
    assert plaintext_stack_credentials(encrypted) == []


def test_found_values_are_masked():
    (finding,) = find_credentials(f"id: {FAKE_KEY_ID}")
    assert finding.masked == "AKIA...(20 chars)" and FAKE_KEY_ID not in str(finding)


def test_fixtures_have_the_real_shapes():
    assert (len(FAKE_KEY_ID), len(FAKE_SESSION_KEY_ID), len(FAKE_SECRET)) == (20, 20, 40)


def test_an_explicitly_allowlisted_dummy_is_left_alone():
    stubbed = "boto3.Session(aws_access_key_" + 'id="stub", region_name="us-east-1")'
    assert [f.kind for f in find_credentials(stubbed)] == ["aws_access_key_id literal"]
    assert find_credentials(stubbed + "  # " + ALLOWLIST_MARKER) == []
