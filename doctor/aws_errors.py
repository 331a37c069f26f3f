"""Turn what boto3 raises into one plain line for the user: no traceback, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

#: The IAM action behind each API call the doctor makes, so a denial names what to grant.
IAM_ACTIONS = {
    "DescribeInstances": "ec2:DescribeInstances",
    "DescribeVolumes": "ec2:DescribeVolumes",
    "GetInstanceProfile": "iam:GetInstanceProfile",
    "ListAttachedRolePolicies": "iam:ListAttachedRolePolicies",
    "ListRolePolicies": "iam:ListRolePolicies",
    "DescribeInstanceInformation": "ssm:DescribeInstanceInformation",
    "ListInventoryEntries": "ssm:ListInventoryEntries",
    "DescribeKey": "kms:DescribeKey",
}

# Error codes differ by service: EC2 says UnauthorizedOperation and RequestLimitExceeded,
# IAM AccessDenied and Throttling, the JSON services AccessDeniedException and ThrottlingException.
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
}
_BAD_CREDENTIALS = {
    "AuthFailure",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
}


@dataclass(frozen=True)
class AwsProblem:
    """An AWS error, said in one line."""

    kind: str
    """``no-credentials``, ``bad-credentials``, ``profile-not-found``, ``access-denied``, ``throttled``,
    ``connection`` or ``aws-error``."""
    message: str


def explain(error: BotoCoreError | ClientError) -> AwsProblem:
    """One line for a boto3 error, naming the IAM action when AWS refused a call."""
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return AwsProblem(
            "no-credentials",
            "no AWS credentials found: pass --profile NAME, set AWS_PROFILE, or run `aws configure` / `aws sso login`",
        )
    if isinstance(error, ProfileNotFound):
        return AwsProblem("profile-not-found", f"{error}: list the profiles with `aws configure list-profiles`")
    if isinstance(error, NoRegionError):
        return AwsProblem("aws-error", "no AWS region given: pass --region")
    if isinstance(error, EndpointConnectionError):
        return AwsProblem("connection", _one_line(f"cannot reach AWS: {error}"))
    if not isinstance(error, ClientError):
        return AwsProblem("aws-error", _one_line(str(error)))

    code = error.response.get("Error", {}).get("Code", "")
    text = error.response.get("Error", {}).get("Message", "")
    operation = error.operation_name
    action = IAM_ACTIONS.get(operation, operation)
    if code in _DENIED:
        return AwsProblem("access-denied", f"access denied to {action} ({code}): grant it to the caller and run again")
    if code in _THROTTLED:
        return AwsProblem(
            "throttled", f"AWS throttled {action} ({code}) even after retries: wait a minute and run again"
        )
    if code in _BAD_CREDENTIALS:
        return AwsProblem("bad-credentials", f"AWS rejected the credentials ({code}): refresh them and run again")
    return AwsProblem("aws-error", _one_line(f"{action} failed: {code}: {text}".rstrip(": ")))


def _one_line(text: str) -> str:
    return " ".join(text.split())
