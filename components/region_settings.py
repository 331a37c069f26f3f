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
- the provider then reads back every type the region has, so a later ``pulumi refresh`` or
  ``pulumi preview --refresh`` shows the types you did not name as differences; the update that
  follows sends your types again and changes nothing else;
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
#: Types AWS Backup does not fully manage (AWS Backup guide, "Logically air-gapped vault": Amazon
#: EBS/EC2, Amazon Aurora and Amazon FSx "cannot back up directly"), so full management cannot apply.
NOT_FULLY_MANAGED = ("Aurora", "EBS", "EC2", "FSx")
#: A resource type name: what AWS's own names use (letters, digits, spaces, '-', '_', '.'), 1-50.
RESOURCE_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-_.]{0,49}$")


class BackupRegionSettingsArgs(TypedDict):
    """Arguments of :class:`BackupRegionSettings`."""

    opt_in: Mapping[str, bool]
    """Resource type to whether AWS Backup protects it in the region (for selections by tag), e.g.
    ``{"EC2": True, "EBS": True}``. Only these types are changed. At least one."""
    full_management: NotRequired[Mapping[str, bool]]
    """Resource type to whether AWS Backup fully manages its backups (e.g. ``{"DynamoDB": True}``:
    advanced DynamoDB backup). Not for EC2, EBS, Aurora or FSx. Default: none (unchanged)."""


def resource_types_problem(types: Mapping[str, bool], *, full_management: bool = False) -> Optional[rules.Violation]:
    """Resource type names, and none that AWS Backup cannot fully manage in ``full_management``."""
    for name in types:
        if not RESOURCE_TYPE.fullmatch(name):
            return rules.Violation(
                f"{name!r} is not a resource type name (1-50 letters, digits, spaces, '-', '_' or '.')",
                f"use the names `aws backup describe-region-settings` lists, e.g. {list(KNOWN_RESOURCE_TYPES[:3])}",
            )
        if full_management and name in NOT_FULLY_MANAGED:
            return rules.Violation(
                f"AWS Backup does not fully manage {name} backups, so full management cannot be set for it",
                f"remove {name}; its opt-in is what makes tag selections protect it",
            )
    return None


def unknown_types(types: Mapping[str, bool]) -> list[str]:
    """The names AWS Backup did not report as resource types when this was written."""
    return sorted(name for name in types if name not in KNOWN_RESOURCE_TYPES)


class BackupRegionSettings(pulumi.ComponentResource):
    """The provider's region's AWS Backup settings, for the resource types named only.

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
            {
                "opt_in": resource_types_problem(opt_in),
                "full_management": resource_types_problem(managed, full_management=True),
            }
        )
        if not opt_in:
            # The provider's resource_type_opt_in_preference is a required map.
            lines.append("opt_in: name at least one resource type. Fix: e.g. {'EC2': true, 'EBS': true}.")
        rules.raise_if_any("BackupRegionSettings", name, lines)
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
    "resource_types_problem",
    "unknown_types",
]
