"""Which storage tiers AWS Backup can move each resource type's recovery points to.

The one table (:data:`TIERS`) everything that reasons about cold storage reads: the 3-2-1
verdict, the checks on ``cold_storage_after_days`` and ``opt_in_to_archive``, and the offline
report's words. Plain values in, plain values out.

Sources (AWS page titles):

- API reference, "Lifecycle - AWS Backup": "Resource types that can transition to cold storage
  are listed in the Feature availability by resource table. AWS Backup ignores this expression
  for other resource types." So a cold setting on a type that cannot use it is not rejected:
  it is silently ignored, and the recovery points stay warm.
- AWS Backup guide, "Feature availability by resource" (its "Lifecycle to cold storage" row),
  with "AWS Backup pricing": "Cold storage is currently only supported for back-ups of Amazon
  EBS, Amazon EFS and Amazon DynamoDB" (EC2 and S3 are not on that list). The table's rows
  were not at hand when this was written: the EC2 and S3 rows below rest on the pricing page's
  list, the EBS row on the EBS page. Check the table when AWS adds a type.
- AWS Backup guide, "Amazon EBS and AWS Backup" (section "Amazon EBS Archive Tier for cold
  storage"): "EBS is one of the resource that supports a transition of backups to cold
  storage", with the note that it is "not available in the China (Beijing), China (Ningxia),
  AWS GovCloud (US-East) and AWS GovCloud (US-West) Regions".
- API reference, "Lifecycle - AWS Backup", ``OptInToArchiveForSupportedResources``: "If the
  value is true, your backup plan transitions supported resources to archive (cold) storage
  tier in accordance with your lifecycle settings."
- Amazon EBS User Guide, "Archive an Amazon EBS snapshot": "If the snapshot is associated with
  one or more AMIs, then you must first disable those associated AMIs before you can archive
  the snapshot." An EC2 instance backup is an AMI, so its snapshots cannot reach the archive
  tier while the backup is usable.
- AWS Backup guide, "Encryption for backups in AWS Backup": which types AWS Backup encrypts
  with the vault's key (fully managed) and which keep their source's encryption.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Optional

WARM = "warm"
COLD = "cold"

EC2 = "EC2"
EBS = "EBS"
S3 = "S3"
#: Any other resource type AWS Backup supports, reached by ``*``, a service-wide ARN or an ARN
#: of another service. This program's table does not cover them, so they are counted as warm.
OTHER = "other"
#: Every type a selection of ``["*"]`` may reach.
ALL_TYPES = frozenset({EC2, EBS, S3, OTHER})


@dataclass(frozen=True)
class TierSupport:
    """What AWS Backup can do with one resource type's recovery points."""

    resource_type: str
    """AWS Backup's name for the type (``EC2``, ``EBS``, ``S3``), or ``other``."""
    backups: str
    """The recovery points in words, as a backup admin calls them."""
    cold: bool
    """AWS Backup can move them to cold storage (the "Lifecycle to cold storage" row)."""
    archive_opt_in: bool
    """They move only when the lifecycle's ``OptInToArchiveForSupportedResources`` is true."""
    cold_unavailable_in: tuple[str, ...]
    """Regions where their cold tier does not exist."""
    fully_managed: bool
    """AWS Backup encrypts them with the vault's key (independent encryption); otherwise they
    keep the encryption of the source resource."""
    no_cold: str
    """Why they never move to cold storage (when ``cold`` is false), with the source."""


#: Regions without the EBS archive tier (AWS Backup guide, "Amazon EBS and AWS Backup").
EBS_ARCHIVE_UNAVAILABLE = ("cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1")

#: The table. Cited per row; see the module docstring for the quotes.
TIERS: Mapping[str, TierSupport] = {
    # AWS Backup guide, "Feature availability by resource" and "AWS Backup pricing": no cold
    # storage for EC2; EBS User Guide, "Archive an Amazon EBS snapshot": snapshots of an AMI
    # cannot be archived. "Encryption for backups in AWS Backup": "AMIs are unencrypted. EBS
    # snapshots are encrypted by the default encryption rules for EBS backups".
    EC2: TierSupport(
        resource_type=EC2,
        backups="EC2 instance backups (AMIs)",
        cold=False,
        archive_opt_in=False,
        cold_unavailable_in=(),
        fully_managed=False,
        no_cold="AWS Backup cannot move them to cold storage (AWS Backup guide, Feature availability by "
        "resource; AWS Backup pricing)",
    ),
    # AWS Backup guide, "Amazon EBS and AWS Backup": EBS backups go to the EBS Snapshots Archive
    # tier; API reference "Lifecycle": only with OptInToArchiveForSupportedResources.
    # "Encryption for backups in AWS Backup": "Amazon EBS backups are either encrypted using the
    # key that was used to encrypt the source volume, or they are unencrypted" (not independent).
    EBS: TierSupport(
        resource_type=EBS,
        backups="EBS volume backups (snapshots)",
        cold=True,
        archive_opt_in=True,
        cold_unavailable_in=EBS_ARCHIVE_UNAVAILABLE,
        fully_managed=False,
        no_cold="",
    ),
    # "AWS Backup pricing": S3 is not among the types with cold storage; AWS Backup guide,
    # "Backup tiering": S3 backups have a lower-cost *warm* tier set by a tiering configuration,
    # not by the plan's lifecycle. "Encryption for backups in AWS Backup": "Amazon S3 backups are
    # encrypted using a AWS KMS key associated with the backup vault" (independent encryption).
    S3: TierSupport(
        resource_type=S3,
        backups="S3 backups",
        cold=False,
        archive_opt_in=False,
        cold_unavailable_in=(),
        fully_managed=True,
        no_cold="AWS Backup has no cold storage for them (AWS Backup pricing); its 'Backup tiering' "
        "for S3 is a cheaper warm tier, set outside backup plans",
    ),
    # Not covered: counted as warm, so no verdict claims a tier this table cannot vouch for. Not
    # "ignored by AWS Backup": EFS and DynamoDB backups, for one, do go cold (AWS Backup pricing).
    OTHER: TierSupport(
        resource_type=OTHER,
        backups="backups of other resource types",
        cold=False,
        archive_opt_in=False,
        cold_unavailable_in=(),
        fully_managed=False,
        no_cold="not judged by this program (its tier table covers EC2, EBS and S3 only), counted as warm",
    ),
}

#: The order types are listed in, in words and in outputs.
_ORDER = (EC2, EBS, S3, OTHER)


def ordered(types: Iterable[str]) -> list[str]:
    """Types in the table's order (EC2, EBS, S3, other)."""
    present = set(types)
    return [t for t in _ORDER if t in present]


#: Why a copy in a logically air-gapped vault counts as warm: AWS's pages on those vaults do not
#: say whether the EBS archive tier exists there (AWS Backup guide, "Logically air-gapped vault",
#: which points to "Feature availability by resource"; not confirmed here).
AIR_GAPPED_TIER_UNCONFIRMED = (
    "AWS does not confirm that a logically air-gapped vault moves them to the EBS archive tier, so this program "
    "counts copies there as warm (check the AWS Backup guide, Feature availability by resource)"
)


def tier(
    resource_type: str,
    cold_after: Optional[int],
    archive_opt_in: bool,
    region: Optional[str],
    *,
    air_gapped: bool = False,
) -> tuple[str, Optional[str]]:
    """``(tier, why_warm)`` of one type's recovery points under a lifecycle kept in ``region``.

    ``why_warm`` says why a cold setting does not move them, starting with what stays warm
    (``None`` when it moves them, or when there is no cold setting). ``region`` ``None``: not
    known yet (no region check). ``air_gapped``: kept in a logically air-gapped vault, where the
    EBS archive tier is not confirmed (:data:`AIR_GAPPED_TIER_UNCONFIRMED`): counted warm.
    """
    if cold_after is None:
        return WARM, None
    support = TIERS[resource_type]
    stay = f"{support.backups} stay warm"
    if resource_type == OTHER:
        # Some of them do have cold storage (EFS, DynamoDB: AWS Backup pricing); which is not judged here.
        return WARM, f"{stay}: {support.no_cold}"
    if not support.cold:
        return WARM, f"{stay}: {support.no_cold}, and AWS Backup ignores cold_storage_after_days for them"
    if region is not None and region in support.cold_unavailable_in:
        return (
            WARM,
            f"{stay}: the EBS archive tier is not available in {region} (AWS Backup guide, Amazon EBS and AWS Backup)",
        )
    if support.archive_opt_in and not archive_opt_in:
        return WARM, (
            f"{stay}: they move to cold storage (the EBS Snapshots Archive tier) only with opt_in_to_archive: true "
            "(API reference, Lifecycle)"
        )
    if air_gapped and support.archive_opt_in:
        return WARM, f"{stay} in the air-gapped vault: {AIR_GAPPED_TIER_UNCONFIRMED}"
    return COLD, None


def type_words(types: Iterable[str]) -> str:
    """``{"EBS", "EC2"}`` -> ``EC2 instances and EBS volumes``."""
    names = {EC2: "EC2 instances", EBS: "EBS volumes", S3: "S3 buckets", OTHER: "other resource types"}
    listed = [names[t] for t in ordered(types)]
    return ", ".join(listed[:-1]) + (" and " if len(listed) > 1 else "") + listed[-1]


def describe_cold(
    types: Optional[Iterable[str]],
    cold_after: Optional[int],
    archive_opt_in: bool,
    region: Optional[str],
    *,
    air_gapped: bool = False,
) -> str:
    """The lifecycle's cold storage in words, per type when the types differ (``""`` when none).

    e.g. ``in cold storage from day 30 (EBS archive tier)`` or ``cold storage from day 30 is
    ignored: EC2 instance backups (AMIs) stay warm``. ``types`` ``None``: not known (a plan
    with no selection yet). ``air_gapped``: kept in a logically air-gapped vault, where the EBS
    archive tier is not confirmed (:data:`AIR_GAPPED_TIER_UNCONFIRMED`).
    """
    if cold_after is None:
        return ""
    if air_gapped and types is not None:
        moving = [t for t in ordered(types) if tier(t, cold_after, archive_opt_in, region)[0] == COLD]
        if moving:
            return (
                f"cold storage from day {cold_after} not counted: AWS does not confirm the EBS archive tier in a "
                f"logically air-gapped vault, so {', '.join(TIERS[t].backups for t in moving)} count as warm"
            )
    if types is None:
        ebs = "archive tier opted in" if archive_opt_in else "not EBS volumes: no archive opt-in"
        return f"cold storage from day {cold_after} for the resource types that support it ({ebs})"
    selected = ordered(types) or [OTHER]
    going = [t for t in selected if tier(t, cold_after, archive_opt_in, region)[0] == COLD]
    staying = [t for t in selected if t not in going]
    archive = " (EBS archive tier)" if EBS in going else ""
    if not staying:
        return f"in cold storage from day {cold_after}{archive}"
    warm = ", ".join(TIERS[t].backups for t in staying)
    if not going:
        return f"cold storage from day {cold_after} is ignored: {warm} stay warm"
    return (
        f"{', '.join(TIERS[t].backups for t in going)} in cold storage from day {cold_after}{archive}; {warm} stay warm"
    )


__all__ = [
    "AIR_GAPPED_TIER_UNCONFIRMED",
    "ALL_TYPES",
    "COLD",
    "EBS",
    "EBS_ARCHIVE_UNAVAILABLE",
    "EC2",
    "OTHER",
    "S3",
    "TIERS",
    "WARM",
    "TierSupport",
    "describe_cold",
    "ordered",
    "tier",
    "type_words",
]
