"""Selection ARNs name the partition and region their plan backs up (S2): a region that does not
exist, another partition, or another region than the plan's is refused before deploying, with the
key path, in `resources` and `not_resources`, by the config layer and the component alike."""

from __future__ import annotations

import pulumi
import pytest
from conftest import fixture_config
from test_config_validation import accepted, assert_problem

from components import WindowsServerBackup, WindowsServerBackupArgs

ACCOUNT = "111111111111"
NS = "windows-server-backup:"


@pytest.mark.parametrize(
    ("key", "arn", "shown", "rule"),
    [
        ("resources", "arn:aws:ec2:us-east-7:*:volume/*", '"arn:aws:ec2:us-east-7', "names region 'us-east-7'"),
        ("resources", "arn:aws-cn:ec2:*:*:volume/*", '"arn:aws-cn:ec2', "is an ARN of partition aws-cn"),
        (
            "resources",
            f"arn:aws:ec2:us-west-2:{ACCOUNT}:volume/*",
            '"arn:aws:ec2:us-west-2',
            "names region us-west-2, and this plan backs up us-east-1 only",
        ),
        (
            "not_resources",
            f"arn:aws:ec2:us-west-2:{ACCOUNT}:instance/*",
            '"arn:aws:ec2:us-west-2',
            "names region us-west-2, and this plan backs up us-east-1 only",
        ),
    ],
    ids=["unknown-region", "other-partition", "other-region", "not-resources"],
)
def test_the_config_refuses_them_at_their_key_path(run_config, key, arn, shown, rule):
    config = fixture_config("prod-east")
    config[NS + "plans"][1]["selections"][0][key] = [arn]
    assert_problem(run_config(config), f"plans[1].selections[0].{key}[0]", shown, rule, "")


def test_the_stacks_own_region_passes(run_config):
    config = fixture_config("prod-east")
    config[NS + "plans"][1]["selections"][0]["resources"] = [f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/*"]
    accepted(run_config(config))


def test_the_component_refuses_them_too(run_components):
    def program():
        WindowsServerBackup(
            "b",
            WindowsServerBackupArgs(
                region="us-east-1",
                vault={"name": "v1"},
                plans=[
                    {
                        "name": "p1",
                        "rules": [{"name": "r1", "schedule": "cron(0 1 ? * * *)", "delete_after_days": 35}],
                        "selections": [{"name": "s1", "resources": ["arn:aws:ec2:us-west-2:*:volume/*"]}],
                    }
                ],
            ),
        )

    run = run_components(program)
    assert isinstance(run.error, pulumi.RunError)
    assert "plans[0].selections[0].resources[0]: 'arn:aws:ec2:us-west-2:*:volume/*' names region us-west-2" in str(
        run.error
    )
