"""What a plan's selections may select (components/selected_types.py): the types an ARN names, the
whole types ``not_resources`` leave out, and what a tag selection is taken to reach."""

from __future__ import annotations

from typing import Any

import pytest

from components import selected_types
from components.storage_tiers import ALL_TYPES, EBS, EC2, OTHER, S3

ACCOUNT = "111111111111"
VOLUMES = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/*"
INSTANCES = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"


# --- what an ARN selects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "types"),
    [
        ("*", ALL_TYPES),
        ("arn:aws:ec2:*:*:instance/*", {EC2}),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0", {EC2}),
        ("arn:aws:ec2:*:*:volume/*", {EBS}),
        (f"arn:aws-us-gov:ec2:us-gov-west-1:{ACCOUNT}:volume/vol-0123456789abcdef0", {EBS}),
        ("arn:aws:ec2:*", {EC2, EBS}),  # the service: instances and volumes
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:*", {EC2, EBS}),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:vol*", {EBS}),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:in*", {EC2}),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:image/ami-0123", set()),  # nothing AWS Backup backs up
        ("arn:aws:s3:::my-bucket", {S3}),
        ("arn:aws:s3:::my-bucket-*", {S3}),
        (f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders", {OTHER}),
        ("arn:aws:*", ALL_TYPES),
    ],
)
def test_an_arn_selects_the_types_it_names(arn, types):
    assert selected_types.arn_types(arn) == frozenset(types)


OTHER_ACCOUNT = "999999999999"


@pytest.mark.parametrize(
    ("arn", "region", "types"),
    [
        ("arn:aws:ec2:*:*:instance/*", "us-east-1", {EC2}),
        ("arn:aws:ec2:::instance/*", "us-east-1", {EC2}),  # empty Region and account: any
        (INSTANCES, "us-east-1", {EC2}),
        (INSTANCES, "us-west-2", set()),  # another Region's instances: nothing of this stack's
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0", "us-east-1", set()),  # one instance
        ("arn:aws:ec2:*:*:instance/i-*", "us-east-1", set()),  # some instances
        ("arn:aws:ec2:*:*:volume/*", "us-east-1", {EBS}),
        ("arn:aws:s3:::*", "us-east-1", {S3}),
        ("*", "us-east-1", ALL_TYPES),
        # Another partition's resources are never this stack's; '*' for the partition is not
        # known to match only one type's ARNs either.
        ("arn:aws-cn:ec2:*:*:instance/*", "us-east-1", set()),
        ("arn:aws-cn:ec2:*:*:instance/*", "cn-north-1", {EC2}),
        ("arn:aws:ec2:*:*:instance/*", "cn-north-1", set()),
        ("arn:*:ec2:*:*:instance/*", "us-east-1", set()),
        # The organization's words judge every Region: any partition of a real one.
        ("arn:aws-us-gov:ec2:*:*:volume/*", "*", {EBS}),
    ],
)
def test_only_a_whole_type_pattern_of_this_stack_leaves_a_type_out(arn, region, types):
    assert selected_types.excluded_types(arn, region, ACCOUNT) == frozenset(types)


@pytest.mark.parametrize(
    ("account", "types"),
    [(ACCOUNT, {EC2}), (OTHER_ACCOUNT, set()), (None, set())],
    ids=["own-account", "another-account", "account-not-known"],
)
def test_an_arn_naming_an_account_leaves_out_only_that_accounts_type(account, types):
    """An exclusion of another account's instances cannot match this account's: the plan still
    backs them up. With the account unknown, nothing is taken out (the verdict judges more types)."""
    assert selected_types.excluded_types(INSTANCES, "us-east-1", account) == frozenset(types)
    # Any account ('*' or empty) needs no account to be known.
    assert selected_types.excluded_types("arn:aws:ec2:us-east-1:*:instance/*", "us-east-1", account) == {EC2}


# --- what a plan selects ----------------------------------------------------------------------------------


def _types(selections: list[dict[str, Any]], windows_vss: bool = False, tag_types=(EC2, EBS), account=ACCOUNT):
    return selected_types.plan_types(
        selections, windows_vss=windows_vss, region="us-east-1", tag_types=tag_types, account=account
    )


def test_a_windows_vss_plan_selects_its_instances_by_their_tag():
    selected = _types([{"name": "windows", "tags": {"alk:backup": "windows"}}], windows_vss=True)
    assert (selected.types, selected.certain) == ({EC2}, True)
    assert selected.assumed == (
        "selection 'windows' of this Windows VSS plan selects by tag: taken to be the Windows instances' tag "
        "(EC2 instances), as the VSS setup and the restore tests use it",
    )


def test_a_tag_selection_may_reach_every_type_this_program_backs_up():
    selected = _types([{"name": "weekly", "tags": {"alk:backup": "weekly-ebs"}}])
    assert (selected.types, selected.certain) == ({EC2, EBS}, False)
    assert selected.assumed == (
        "selection 'weekly' selects by tag: taken to reach EC2 instances and EBS volumes, the resource types this "
        "program backs up (AWS Backup selects any opted-in resource carrying the tag)",
    )
    with_s3 = _types([{"name": "weekly", "tags": {"k": "v"}}], tag_types=(EC2, EBS, S3))
    assert with_s3.types == {EC2, EBS, S3}
    assert "EC2 instances, EBS volumes and S3 buckets" in with_s3.assumed[0]
    only_conditions = _types([{"name": "c", "conditions": {"string_equals": {"k": "v"}}}])
    assert (only_conditions.types, only_conditions.certain) == ({EC2, EBS}, False)


def test_a_resource_type_arn_decides_and_conditions_only_narrow():
    selected = _types([{"name": "v", "resources": [VOLUMES], "conditions": {"string_equals": {"k": "v"}}}])
    assert (selected.types, selected.certain, selected.assumed) == ({EBS}, True, ())
    both = _types([{"name": "v", "resources": [VOLUMES], "tags": {"k": "v"}}], windows_vss=True)
    assert both.types == {EC2, EBS}  # tags OR resources


def test_not_resources_take_a_whole_type_out_of_a_tag_selection_and_the_assumption_says_so():
    selected = _types([{"name": "v", "tags": {"k": "v"}, "not_resources": [INSTANCES]}])
    assert selected.types == {EBS}
    assert selected.certain is False  # other types carrying the tag are still assumed away
    # The assumption names the types judged, after the exclusion.
    assert selected.assumed == (
        "selection 'v' selects by tag: taken to reach EBS volumes (its not_resources leave out EC2 instances), the "
        "resource types this program backs up (AWS Backup selects any opted-in resource carrying the tag)",
    )


def test_not_resources_of_another_account_leave_every_type_in():
    """The reviewer's case: excluding another account's instances does not make a tag plan a volume plan."""
    other = [{"name": "v", "tags": {"k": "v"}, "not_resources": [f"arn:aws:ec2:us-east-1:{OTHER_ACCOUNT}:instance/*"]}]
    assert _types(other).types == {EC2, EBS}
    assert _types(other).assumed == (
        "selection 'v' selects by tag: taken to reach EC2 instances and EBS volumes, the resource types this "
        "program backs up (AWS Backup selects any opted-in resource carrying the tag)",
    )
    own = [{"name": "v", "tags": {"k": "v"}, "not_resources": [INSTANCES]}]
    assert _types(own, account=None).types == {EC2, EBS}  # the account not known: nothing left out
    assert _types(own, account=ACCOUNT).types == {EBS}


def test_a_vss_plan_whose_instances_are_left_out_says_so():
    selected = _types([{"name": "w", "tags": {"k": "v"}, "not_resources": [INSTANCES]}], windows_vss=True)
    assert selected.types == {OTHER}  # nothing this program knows
    assert selected.assumed == (
        "selection 'w' of this Windows VSS plan selects by tag: taken to be the Windows instances' tag (none of the "
        "types this program backs up: its not_resources leave out EC2 instances), as the VSS setup and the "
        "restore tests use it",
    )


def test_an_empty_selection_selects_everything_opted_in():
    selected = _types([{"name": "all"}])
    assert selected.types == ALL_TYPES
    assert selected.assumed == ("selection 'all' names nothing, so AWS Backup would select every opted-in resource",)
