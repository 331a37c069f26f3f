"""The tests' IAM policy evaluator (tests/iam_policy.py) follows IAM's evaluation logic on the cases
the program's policies rely on, so a wrong ARN or condition in them fails a test."""

from __future__ import annotations

import pytest
from iam_policy import allowed

DOCUMENT = "arn:aws:ssm:us-east-1::document/AWS-RunPowerShellScript"
INSTANCE = "arn:aws:ec2:us-east-1:111111111111:instance/i-0a"
TAG = "ssm:resourceTag/awsbackup-restore-test"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_RUN = {"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": [DOCUMENT, INSTANCE]}
DENY_UNTAGGED = {
    "Effect": "Deny",
    "Action": "ssm:SendCommand",
    "Resource": INSTANCE,
    "Condition": {"Null": {TAG: "true"}},
}


def test_an_explicit_deny_wins_and_null_tests_whether_the_key_is_there():
    both = policy(ALLOW_RUN, DENY_UNTAGGED)
    assert allowed(both, "ssm:SendCommand", INSTANCE, **{TAG: "x"})
    assert not allowed(both, "ssm:SendCommand", INSTANCE)
    assert allowed(both, "ssm:SendCommand", DOCUMENT)  # the Deny names instances only


def test_nothing_is_allowed_without_an_allow_and_actions_ignore_case():
    assert not allowed(policy(DENY_UNTAGGED), "ssm:SendCommand", INSTANCE, **{TAG: "x"})
    assert allowed(policy(ALLOW_RUN), "SSM:sendcommand", DOCUMENT)
    assert not allowed(policy(ALLOW_RUN), "ssm:SendCommandX", DOCUMENT)


def test_an_aws_owned_documents_arn_has_no_account():
    """Written with the stack's account, the document statement would allow nothing AWS owns."""
    with_account = {**ALLOW_RUN, "Resource": "arn:aws:ssm:us-east-1:111111111111:document/AWS-RunPowerShellScript"}
    assert not allowed(policy(with_account), "ssm:SendCommand", DOCUMENT)
    any_account = {**ALLOW_RUN, "Resource": "arn:aws:ssm:us-east-1:*:document/AWS-RunPowerShellScript"}
    assert allowed(policy(any_account), "ssm:SendCommand", DOCUMENT)


def test_a_condition_key_missing_from_the_request_fails_string_operators():
    in_region = {**ALLOW_RUN, "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}
    assert allowed(policy(in_region), "ssm:SendCommand", "*", **{"aws:RequestedRegion": "us-east-1"})
    assert not allowed(policy(in_region), "ssm:SendCommand", "*", **{"aws:RequestedRegion": "us-west-2"})
    assert not allowed(policy(in_region), "ssm:SendCommand", "*")


def test_operators_it_does_not_know_are_refused_not_guessed():
    unknown = {**ALLOW_RUN, "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}
    with pytest.raises(NotImplementedError):
        allowed(policy(unknown), "ssm:SendCommand", DOCUMENT, **{"aws:MultiFactorAuthAge": "10"})
