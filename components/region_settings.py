"""BackupRegionSettings: which resource types AWS Backup protects in a region, and which it fully manages.

These settings belong to the account and region, not to a stack: every backup plan of the region
follows them. AWS Backup's opt-in matters for selections by tag only: "If resource assignments are
only based on tags, then service opt-in settings are applied. If a resource type is explicitly
assigned to a backup plan ... it will be included in the backup even if the opt-in is not enabled"
(AWS Backup API, UpdateRegionSettings).

How the resource behaves (terraform-provider-aws ``internal/service/backup/region_settings.go``,
which pulumi-aws wraps), and why this component names only the types you give it:

- create and update send ``UpdateRegionSettings`` with exactly the types given; AWS leaves the
  others as they are (AWS's own procedure "Enabling advanced DynamoDB backup programmatically"
  sends DynamoDB alone), so a partial map never turns the other types off;
- after every create and update the provider reads back every type the region has and keeps the
  whole map in the state (its opt-in map is a required argument, not a computed one). So **every**
  ``pulumi preview`` after the first ``pulumi up`` shows the types you did not name as removed
  (``- Aurora: true`` ...) and plans an update, refresh or not; that update sends your types again
  and changes nothing else, and the next preview shows the same. Read those removals as noise:
  only a type you name, with a value that differs from AWS's, changes anything. For a preview
  without them, name every type ``aws backup describe-region-settings`` lists for the region, with
  the values it shows (this program cannot know them offline, so it does not add them for you);
- the full-management map is optional and computed, so leaving it out shows no difference;
- delete does nothing: removing the component (or ``pulumi destroy``) leaves the region's settings
  as they are. Turn a type off by setting it ``false`` first.
"""

# No ``from __future__ import annotations``: the component provider host (``provider/``) reads
# the argument types at run time to build the package schema for other languages.

import re
from collections.abc import Mapping
from typing import NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts

#: Resource types AWS Backup reports (botocore 1.44.8 ``GetSupportedResourceTypes``), plus the types
#: pulumi-aws's RegionSettings example names. AWS adds types, so another name only warns.
KNOWN_RESOURCE_TYPES = (
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DSQL",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "EKS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "Redshift Serverless",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
)
#: Types AWS Backup is not known to fully manage, so full management would not apply to them.
#: Documented: the AWS Backup guide, "Logically air-gapped vault", lists Amazon EBS/EC2, Amazon Aurora
#: and Amazon FSx as types that "cannot back up directly" to it, the mark of types AWS Backup does not
#: fully manage. Inferred (not confirmed: the "Full AWS Backup management" column of "Feature
#: availability by resource" could not be read): RDS, DocumentDB, Neptune and Storage Gateway, whose
#: backups are their services' own snapshots, as EBS's are. Hence a warning, not an error.
NOT_FULLY_MANAGED = ("Aurora", "EBS", "EC2", "FSx", "RDS", "DocumentDB", "Neptune", "Storage Gateway")
#: A resource type name: what AWS's own names use (letters, digits, spaces, '-', '_', '.'), 1-50.
RESOURCE_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-_.]{0,49}$")


class BackupRegionSettingsArgs(TypedDict):
    """Arguments of :class:`BackupRegionSettings`."""

    opt_in: Mapping[str, bool]
    """Resource type to whether AWS Backup protects it in the region (for selections by tag), e.g.
    ``{"EC2": True, "EBS": True}``. Only these types are changed. At least one."""
    full_management: NotRequired[Mapping[str, bool]]
    """Resource type to whether AWS Backup fully manages its backups (e.g. ``{"DynamoDB": True}``:
    advanced DynamoDB backup). Types AWS Backup is not known to fully manage
    (:data:`NOT_FULLY_MANAGED`, EC2 and EBS among them) are warned about. Default: none (unchanged)."""


def resource_types_problem(types: Mapping[str, bool]) -> Optional[rules.Violation]:
    """Resource type names: every name that is not one, at once."""
    wrong = [name for name in types if not RESOURCE_TYPE.fullmatch(name)]
    if not wrong:
        return None
    verb = "is not a resource type name" if len(wrong) == 1 else "are not resource type names"
    return rules.Violation(
        f"{', '.join(repr(name) for name in wrong)} {verb} (1-50 letters, digits, spaces, '-', '_' or '.')",
        f"use the names `aws backup describe-region-settings` lists, e.g. {list(KNOWN_RESOURCE_TYPES[:3])}",
    )


def full_management_warning(types: Mapping[str, bool]) -> Optional[str]:
    """Types turned to full management that AWS Backup is not known to fully manage."""
    named = [name for name, on in types.items() if on and name in NOT_FULLY_MANAGED]
    if not named:
        return None
    return (
        f"full_management: AWS Backup is not known to fully manage {', '.join(named)} backups (its guide, "
        "Logically air-gapped vault, names EBS, EC2, Aurora and FSx among the types it does not; Feature "
        "availability by resource lists which it does), so AWS Backup may refuse the whole update; their "
        "opt_in is what makes tag selections protect them"
    )


def unknown_types(types: Mapping[str, bool]) -> list[str]:
    """The names AWS Backup did not report as resource types when this was written."""
    return sorted(name for name in types if name not in KNOWN_RESOURCE_TYPES)


class BackupRegionSettings(pulumi.ComponentResource):
    """The provider's region's AWS Backup settings, for the resource types named only.

    Every ``pulumi preview`` after the first ``pulumi up`` lists the types not named as removed, and
    the update it plans changes nothing else (see the module's docstring): name every type the
    region has for a preview without them.

    Children: ``aws.backup.RegionSettings`` named ``<name>``. Only one stack per account and region
    should hold it: two would overwrite each other's choices.
    """

    settings: aws.backup.RegionSettings
    """The region settings resource."""

    def __init__(
        self, name: str, args: BackupRegionSettingsArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupRegionSettings", name, None, opts)
        opt_in = dict(args["opt_in"])
        managed = dict(args.get("full_management") or {})
        lines = rules.problems(
            {"opt_in": resource_types_problem(opt_in), "full_management": resource_types_problem(managed)}
        )
        if not opt_in:
            # The provider's resource_type_opt_in_preference is a required map.
            lines.append("opt_in: name at least one resource type. Fix: e.g. {'EC2': true, 'EBS': true}.")
        rules.raise_if_any("BackupRegionSettings", name, lines)
        if warning := full_management_warning(managed):
            pulumi.log.warn(f"BackupRegionSettings {name!r}: {warning}", resource=self)
        unknown = unknown_types({**opt_in, **managed})
        if unknown:
            pulumi.log.warn(
                f"BackupRegionSettings {name!r}: {unknown} are not resource types AWS Backup reported when this "
                "program was written; a region that does not know a type refuses the whole update"
            )
        self.settings = aws.backup.RegionSettings(
            name,
            resource_type_opt_in_preference=opt_in,
            resource_type_management_preference=managed or None,
            opts=child_opts(self),
        )
        self.register_outputs({})


__all__ = [
    "KNOWN_RESOURCE_TYPES",
    "NOT_FULLY_MANAGED",
    "BackupRegionSettings",
    "BackupRegionSettingsArgs",
    "full_management_warning",
    "resource_types_problem",
    "unknown_types",
]
