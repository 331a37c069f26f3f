"""AccountFacts: the account ID and partition of a provider, looked up once and shared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AccountFacts:
    """The AWS account and partition a provider deploys into."""

    account_id: pulumi.Output[str]
    """12-digit account ID."""
    partition: pulumi.Output[str]
    """``aws``, ``aws-cn`` or ``aws-us-gov``."""

    @staticmethod
    def lookup(parent: pulumi.Resource, provider: Optional[pulumi.ProviderResource] = None) -> AccountFacts:
        """Two lookups through ``parent``'s provider (or ``provider``): caller identity and partition.

        Components take an ``AccountFacts`` from their caller when they can, so a stack makes
        these lookups once per account, not once per component.
        """
        opts = pulumi.InvokeOutputOptions(parent=parent, provider=provider)
        return AccountFacts(
            account_id=aws.get_caller_identity_output(opts=opts).account_id,
            partition=aws.get_partition_output(opts=opts).partition,
        )


def root_arn(partition: str, account_id: str) -> str:
    """The account principal ``arn:<partition>:iam::<account>:root`` (delegates to its IAM policies)."""
    return f"arn:{partition}:iam::{account_id}:root"
