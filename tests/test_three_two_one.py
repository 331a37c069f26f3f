"""The 3-2-1 verdict as a pure function of plain values: a copy counts as cold only for the resource
types AWS Backup really moves to cold storage, and the verdict says why in a backup admin's words."""

from __future__ import annotations

from typing import Any

from components.three_two_one import cross_account_check, plan_verdict, stack_verdicts

HOME, OTHER_REGION = "us-east-1", "us-west-2"
ACCOUNT, ARCHIVE_ACCOUNT = "111111111111", "222222222222"
COPY_B = f"arn:aws:backup:{OTHER_REGION}:{ACCOUNT}:backup-vault:copies"
COPY_C = f"arn:aws:backup:{HOME}:{ARCHIVE_ACCOUNT}:backup-vault:archive"
ARCHIVED = {"cold_storage_after_days": 30, "opt_in_to_archive": True}


def _rule(name: str = "weekly", archive_copy: dict[str, Any] | None = None, **lifecycle: Any) -> dict[str, Any]:
    return {
        "name": name,
        "delete_after_days": 35,
        **lifecycle,
        "copy_actions": [
            {"destination_vault_arn": COPY_B, "delete_after_days": 35},
            {"destination_vault_arn": COPY_C, "delete_after_days": 365, **(archive_copy or {})},
        ],
    }


def _judge(rules: list[dict[str, Any]], types: list[str], certain: bool = True, **kwargs: Any) -> dict[str, Any]:
    return plan_verdict(
        rules,
        region=HOME,
        account=ACCOUNT,
        vault_name="main",
        resource_types=types,
        types_certain=certain,
        **kwargs,
    )


def test_a_vss_plans_archive_copy_is_judged_by_what_aws_does_with_amis():
    """Had its archive copy asked for cold storage (the config refuses it), the AMIs would still be warm."""
    judged = _judge([_rule(archive_copy=ARCHIVED)], ["EC2"])
    archive_copy = judged["copies"][2]
    assert archive_copy == {
        "rule": "weekly",
        "role": "copy",
        "region": HOME,
        "account": ARCHIVE_ACCOUNT,
        "vault": "archive",
        "tier": "warm",
        "retention_days": 365,
        "cold_storage_after_days": 30,
        "cold_for": [],
    }
    assert (judged["copy_count"], judged["media"], judged["off_site"], judged["meets_3_2_1"]) == (
        3,
        ["warm"],
        True,
        False,
    )
    assert judged["reasons"] == [
        "2 media? no: EC2 instance backups (AMIs) stay warm: AWS Backup cannot move them to cold storage (AWS "
        "Backup guide, Feature availability by resource; AWS Backup pricing), and AWS Backup ignores "
        "cold_storage_after_days for them"
    ]
    [advice] = judged["advice"]
    assert advice.startswith(
        "AWS Backup keeps EC2 instance backups (AMIs) in warm storage, so they cannot give a second medium: back the "
        "instances' EBS volumes up in a plan that selects volumes (resources: "
        "['arn:aws:ec2:*:*:volume/*'] with the tag under conditions)"
    )


def test_volumes_reach_a_second_medium_with_the_archive_tier():
    judged = _judge([_rule(archive_copy=ARCHIVED)], ["EBS"])
    assert [c["tier"] for c in judged["copies"]] == ["warm", "warm", "cold"]
    assert judged["copies"][2]["cold_for"] == ["EBS"]
    assert (judged["media"], judged["meets_3_2_1"], judged["reasons"], judged["advice"]) == (
        ["cold", "warm"],
        True,
        [],
        [],
    )


def test_volumes_without_the_opt_in_stay_warm_and_the_verdict_says_so():
    judged = _judge([_rule(archive_copy={"cold_storage_after_days": 30})], ["EBS"])
    assert judged["meets_3_2_1"] is False
    assert judged["reasons"] == [
        "2 media? no: EBS volume backups (snapshots) stay warm: they move to cold storage (the EBS Snapshots "
        "Archive tier) only with opt_in_to_archive: true (API reference, Lifecycle)"
    ]


def test_a_copy_kept_where_the_ebs_archive_tier_does_not_exist_stays_warm():
    copy_in_china = "arn:aws-cn:backup:cn-north-1:222222222222:backup-vault:archive"
    rule = {
        "name": "weekly",
        "delete_after_days": 35,
        "copy_actions": [{"destination_vault_arn": copy_in_china, "delete_after_days": 365, **ARCHIVED}],
    }
    judged = _judge([rule], ["EBS"])
    assert judged["copies"][1]["tier"] == "warm"
    assert "the EBS archive tier is not available in cn-north-1" in judged["reasons"][-1]


def test_a_tag_selection_is_judged_per_type_and_passes_only_when_every_type_does():
    assumed = ["selection 'weekly' selects by tag: taken to reach EC2 instances and EBS volumes"]
    judged = _judge([_rule(archive_copy=ARCHIVED)], ["EBS", "EC2"], certain=False, assumed=assumed)
    assert judged["resource_types"] == ["EC2", "EBS"]
    assert judged["assumed"] == assumed
    assert judged["copies"][2]["tier"] == "mixed"
    assert judged["copies"][2]["cold_for"] == ["EBS"]
    assert judged["by_type"] == {
        "EC2": {"media": ["warm"], "meets_3_2_1": False},
        "EBS": {"media": ["cold", "warm"], "meets_3_2_1": True},
    }
    assert (judged["media"], judged["meets_3_2_1"]) == (["warm"], False)
    assert judged["advice"] == [
        "to judge the volumes alone, select them by type (resources: ['arn:aws:ec2:*:*:volume/*'] with the tag under "
        "conditions.string_equals), so the plan holds EBS volumes only"
    ]


def test_copies_and_off_site_are_still_counted_by_place():
    local = {"name": "daily", "delete_after_days": 7}
    judged = _judge([local], ["EBS"])
    assert judged["reasons"] == [
        "3 copies? no: 1 copy (3 needed): add copies to another region and account",
        "2 media? no: EBS volume backups (snapshots) stay warm: no copy moves them to cold storage",
        "1 off-site? no: no copy outside the stack's region and account: copy to another region or account",
    ]
    assert "on a monthly or rarer rule" in judged["advice"][0]


def test_s3_and_other_types_never_count_as_cold():
    judged = _judge([_rule(archive_copy=ARCHIVED)], ["S3", "other"])
    assert judged["by_type"] == {
        "S3": {"media": ["warm"], "meets_3_2_1": False},
        "other": {"media": ["warm"], "meets_3_2_1": False},
    }
    assert "AWS Backup has no cold storage for them (AWS Backup pricing)" in judged["reasons"][0]
    # Other types are not judged: some have cold storage of their own (EFS, DynamoDB), so the
    # verdict says so instead of claiming AWS Backup ignores the setting for them.
    assert (
        "backups of other resource types stay warm: not judged by this program (its tier table covers EC2, EBS and "
        "S3 only), counted as warm"
    ) in judged["reasons"][0]
    assert (
        "other resource types stay warm: not judged by this program (its tier table covers EC2, EBS and S3 only), counted as warm, and AWS Backup ignores"
        not in judged["reasons"][0]
    )


def test_the_stack_points_an_instance_plan_to_the_volume_plan_that_reaches_the_archive_tier():
    plans = [
        {"name": "windows", "rules": [_rule()], "resource_types": ["EC2"], "types_certain": True, "assumed": []},
        {
            "name": "volumes",
            "rules": [_rule(), _rule("monthly", archive_copy=ARCHIVED)],
            "resource_types": ["EBS"],
            "types_certain": True,
            "assumed": [],
        },
    ]
    judged = stack_verdicts(plans, region=HOME, account=ACCOUNT, vault_name="main")
    assert list(judged) == ["windows", "volumes"]
    assert judged["volumes"]["meets_3_2_1"] is True
    assert judged["windows"]["meets_3_2_1"] is False
    assert judged["windows"]["advice"][-1] == (
        "plan 'volumes' of this stack keeps EBS volumes on both media: tag these instances' volumes for it to give "
        "their data a second medium"
    )
    # Without a volume plan on both media, only the general advice is given.
    alone = stack_verdicts(plans[:1], region=HOME, account=ACCOUNT, vault_name="main")
    assert len(alone["windows"]["advice"]) == 1


# --- copies and off-site per rule, media across complete rules ---------------------------------------------

COLD_HERE = {"cold_storage_after_days": 30, "opt_in_to_archive": True, "delete_after_days": 120}


def _copying(name: str, *destinations: str, **lifecycle: Any) -> dict[str, Any]:
    """A rule copying to the given destination ARNs, each copy with the rule's lifecycle."""
    return {
        "name": name,
        "delete_after_days": 35,
        **lifecycle,
        "copy_actions": [{"destination_vault_arn": arn, **lifecycle} for arn in destinations],
    }


def test_copies_spread_over_rules_do_not_make_three_copies_of_any_recovery_point():
    """Weekly points in 2 places and monthly points in 2 others: no recovery point exists 3 times."""
    judged = _judge([_copying("weekly", COPY_B), _copying("monthly", COPY_C, **COLD_HERE)], ["EBS"])
    assert judged["meets_3_2_1"] is False
    assert (judged["copy_count"], judged["complete_rules"]) == (2, [])
    assert judged["reasons"][0] == (
        "3 copies? no: no rule keeps its recovery points in 3 places (weekly: 2, monthly: 2), and a recovery point "
        "exists only where its own rule keeps it: copy one rule's backups to another region and another account"
    )
    assert len(judged["reasons"]) == 1  # both media and an off-site copy are there, on rules short of copies
    assert judged["by_type"] == {"EBS": {"media": ["cold", "warm"], "meets_3_2_1": False}}


def test_a_cold_medium_on_a_rule_kept_in_one_place_does_not_count():
    """The weekly rule's points are in 3 places, the only cold ones (monthly) only on-site."""
    judged = _judge([_copying("weekly", COPY_B, COPY_C), _copying("monthly", **COLD_HERE)], ["EBS"])
    assert (judged["copy_count"], judged["complete_rules"], judged["off_site"]) == (3, ["weekly"], True)
    assert (judged["meets_3_2_1"], judged["media"]) == (False, ["warm"])
    assert judged["reasons"] == [
        "2 media? no: the cold copies of EBS volume backups (snapshots) come only from rule 'monthly', whose recovery "
        "points are not kept in 3 places with one off-site, and a medium counts only on a rule whose are: copy that "
        "rule's backups to another region and another account"
    ]
    assert judged["advice"] == []  # the reason says what to do; the archive tier is already used
    assert judged["media_notes"] == []  # no counted rule gives the cold medium


def test_a_cold_medium_kept_only_on_site_counts_and_is_named():
    """Conventional 3-2-1 needs the second medium among the 3 copies, not off-site: it meets, and says where."""
    monthly = {
        "name": "monthly",
        **COLD_HERE,
        # The copies stay warm (no archive opt-in): only the stack's own vault archives the monthly points.
        "copy_actions": [
            {"destination_vault_arn": COPY_B, "delete_after_days": 120, "opt_in_to_archive": False},
            {"destination_vault_arn": COPY_C, "delete_after_days": 365, "opt_in_to_archive": False},
        ],
    }
    judged = _judge([_copying("weekly", COPY_B, COPY_C), monthly], ["EBS"])
    assert (judged["meets_3_2_1"], judged["complete_rules"]) == (True, ["weekly", "monthly"])
    assert judged["media_notes"] == [
        "EBS volume backups (snapshots): warm from rules 'weekly', 'monthly'; cold from rule 'monthly', kept only "
        f"on-site (vault main in {HOME}, account {ACCOUNT})"
    ]


def test_the_media_notes_say_which_rule_gives_which_medium_and_where_the_cold_copies_are():
    judged = _judge([_copying("weekly", COPY_B, COPY_C), _copying("monthly", COPY_B, COPY_C, **COLD_HERE)], ["EBS"])
    assert judged["meets_3_2_1"] is True
    assert judged["media_notes"] == [
        "EBS volume backups (snapshots): warm from rule 'weekly'; cold from rule 'monthly', kept in 3 places, "
        "2 off-site"
    ]


def test_three_places_in_the_stacks_own_region_and_account_are_not_off_site():
    nearby = f"arn:aws:backup:{HOME}:{ACCOUNT}:backup-vault:"
    judged = _judge([_copying("weekly", nearby + "second", nearby + "third", **COLD_HERE)], ["EBS"])
    assert (judged["copy_count"], judged["off_site"], judged["complete_rules"]) == (3, False, [])
    assert judged["reasons"][-1] == (
        "1 off-site? no: no copy of rule 'weekly', which keeps 3 copies, outside the stack's region and account: "
        "copy to another region or account"
    )


def test_a_verdict_from_assumed_types_says_it_is_not_certain():
    assumed = ["selection 'tagged' selects by tag: taken to reach EBS volumes"]
    judged = _judge(
        [_copying("monthly", COPY_B, COPY_C, **COLD_HERE), _rule()], ["EBS"], certain=False, assumed=assumed
    )
    assert (judged["meets_3_2_1"], judged["certain"]) == (True, False)
    assert _judge([_rule(archive_copy=ARCHIVED)], ["EBS"])["certain"] is True


def test_copies_of_instances_or_volumes_to_another_account_name_the_key_check_to_run():
    """Whether copy C works depends on the volumes' keys, which no offline check sees: said as a check."""
    to_archive = _judge([_rule()], ["EBS"])
    assert to_archive["checks"] == [cross_account_check()]
    assert "`python -m doctor --archive-copies`" in to_archive["checks"][0]
    given = _judge([_rule()], ["EC2"], key_check="run the doctor")
    assert given["checks"] == ["run the doctor"]
    # Boundaries: copies in the same account, or nothing but buckets.
    same_account = {"name": "weekly", "delete_after_days": 35, "copy_actions": [{"destination_vault_arn": COPY_B}]}
    assert _judge([same_account], ["EBS"])["checks"] == []
    assert _judge([_rule()], ["S3"])["checks"] == []
