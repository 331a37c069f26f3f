"""CrossRegionCopy: copy B of 3-2-1, a vault in a second region that rules copy into."""

from collections.abc import Sequence
from typing import NotRequired, Optional, TypedDict

import pulumi

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts
from .kms_key import BackupKey
from .vault import BackupVault, VaultLockArgs


class CrossRegionCopyArgs(TypedDict):
    """Arguments of :class:`CrossRegionCopy`."""

    source_region: str
    """Region of the source vault (the copy must go elsewhere)."""
    region: str
    """Destination region; must differ from ``source_region``."""
    vault_name: NotRequired[Optional[str]]
    """Name of the destination vault to create there. Required unless ``existing_vault_arn``."""
    existing_vault_arn: NotRequired[Optional[str]]
    """Copy into this existing vault instead of creating one. Default: create one."""
    create_kms_key: NotRequired[bool]
    """Encrypt the new vault with a customer-managed key created in that region (needed when
    the copies are copied on to another account). Default: ``False`` (the region's
    ``aws/backup`` key)."""
    kms_key_arn: NotRequired[Optional[str]]
    """Encrypt the new vault with this existing key. Default: see ``create_kms_key``."""
    lock: NotRequired[Optional[VaultLockArgs]]
    """Vault Lock for the new vault. Default: none."""
    break_glass_role_arn: NotRequired[Optional[str]]
    """Role still allowed to delete recovery points there. Default: none."""
    policy_admin_role_arns: NotRequired[Sequence[str]]
    """Roles that deploy the new vault's access policy, the only ones besides the break-glass role
    allowed to change or remove it (see :class:`BackupVaultArgs`). Default: none."""
    protect: NotRequired[bool]
    """Protect the new vault and key. Default: ``True``."""
    tags: NotRequired[dict[str, str]]
    """Tags for what is created. Default: none."""


class CrossRegionCopy(pulumi.ComponentResource):
    """A destination vault in another region of the same account.

    Every child is placed in ``region`` by pulumi-aws 7's per-resource ``region`` (Terraform AWS
    provider guide, "Enhanced Region Support": a resource "in a Region different from the one
    specified in the provider configuration without requiring multiple provider blocks"), so it
    goes through the caller's own provider: its credentials, profile and ``allowedAccountIds``,
    with no second provider to configure. That region must be in the provider's partition.
    Children: ``BackupKey`` ``<name>-key`` (with ``create_kms_key``) and ``BackupVault``
    ``<name>-vault`` (unless ``existing_vault_arn``).
    """

    region: str
    """The destination region."""
    vault_arn: pulumi.Output[str]
    """ARN of the vault copies go to (what copy actions use)."""

    def __init__(
        self,
        name: str,
        args: CrossRegionCopyArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:CrossRegionCopy", name, None, opts)
        existing = args.get("existing_vault_arn")
        region, source = args["region"], args["source_region"]
        lines = rules.problems(
            {
                "region": rules.aws_region(region) or rules.copy_partition(source, region),
                "existing_vault_arn": rules.vault_arn(existing) if existing else None,
            }
        )
        if args["region"] == args["source_region"]:
            lines.append(f"region: a cross-region copy must leave {args['source_region']}. Fix: choose another region.")
        if existing and rules.vault_arn(existing) is None and rules.vault_arn_parts(existing)[0] != args["region"]:
            lines.append(
                f"existing_vault_arn: {existing!r} is not in {args['region']}. Fix: use a vault of that region."
            )
        if not existing and not args.get("vault_name"):
            lines.append("vault_name: required when no existing_vault_arn is given. Fix: name the vault to create.")
        rules.raise_if_any("CrossRegionCopy", name, lines)

        self.region = args["region"]
        if existing:
            self.vault_arn = pulumi.Output.from_input(existing)
        else:
            tags = args.get("tags") or {}
            protect = args.get("protect", True)
            account = account or AccountFacts.lookup(self)
            key_arn: Optional[pulumi.Input[str]] = args.get("kms_key_arn")
            if key_arn is None and args.get("create_kms_key", False):
                key_arn = BackupKey(
                    f"{name}-key",
                    {
                        "region": self.region,
                        "alias": str(args["vault_name"]),
                        "protect": protect,
                        "tags": tags,
                    },
                    child_opts(self),
                    account=account,
                ).arn
            vault = BackupVault(
                f"{name}-vault",
                {
                    "name": str(args["vault_name"]),
                    "region": self.region,
                    "kms_key_arn": key_arn,
                    "protect": protect,
                    "lock": args.get("lock"),
                    "break_glass_role_arn": args.get("break_glass_role_arn"),
                    "policy_admin_role_arns": list(args.get("policy_admin_role_arns") or []),
                    "tags": tags,
                },
                child_opts(self),
                account=account,
            )
            self.vault_arn = vault.arn
        self.register_outputs({"region": self.region, "vault_arn": self.vault_arn})


__all__ = ["CrossRegionCopy", "CrossRegionCopyArgs"]
