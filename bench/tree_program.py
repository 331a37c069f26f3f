"""The second baseline: the real program's component tree, written by hand with no logic of its own.

The same ``ComponentResource`` types, names and parents as the real program (so the same URNs),
registering the same component outputs, with the same AWS resources and inputs under them as
``raw_program.py`` and the same three lookups (tests/test_bench.py holds the three programs to
that). Each component is a class whose constructor creates its children, called from where the
real program calls it: the SDK records where each resource is declared by walking the Python
stack at every registration, so the shape of the calls is part of what a component tree costs.
What it leaves out is what the project adds on top of the SDK: the config models and their
checks, the warnings, the components' argument checks and the 3-2-1 verdict. So the real program
over this one is the project's own overhead, and this one over the raw program is what the
component tree itself costs. It only understands what the benchmark generates
(``workload.plan_set``).
"""

from typing import Any

import pulumi
import pulumi_aws as aws
from baseline_inputs import VAULT_POLICY, managed_policy_arns, plan_rules, selection_tags, trust_policy

TYPE_PREFIX = "windows-server-backup:index"


def under(parent: pulumi.Resource, protect: bool = False) -> pulumi.ResourceOptions:
    """Options for a child of ``parent`` (protected or not)."""
    return pulumi.ResourceOptions(parent=parent, protect=protect)


class BackupVault(pulumi.ComponentResource):
    """The vault on the ``aws/backup`` key, and its deny-deletions policy."""

    def __init__(self, name: str, vault_name: str, opts: pulumi.ResourceOptions) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupVault", name, None, opts)
        key = aws.kms.get_key_output(key_id="alias/aws/backup", opts=pulumi.InvokeOutputOptions(parent=self))
        self.vault = aws.backup.Vault(
            name, name=vault_name, kms_key_arn=key.arn, force_destroy=False, opts=under(self, protect=True)
        )
        aws.backup.VaultPolicy(
            f"{name}-policy",
            backup_vault_name=self.vault.name,
            policy=VAULT_POLICY,
            opts=under(self),
        )
        self.register_outputs({"name": self.vault.name, "arn": self.vault.arn, "kms_key_arn": self.vault.kms_key_arn})


class BackupServiceRole(pulumi.ComponentResource):
    """The role AWS Backup assumes, with the backup and restore managed policies."""

    def __init__(
        self, name: str, account_id: pulumi.Output[str], partition: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupServiceRole", name, None, opts)
        self.role = aws.iam.Role(
            name, assume_role_policy=account_id.apply(trust_policy), tags={"Name": name}, opts=under(self)
        )
        aws.iam.RolePolicyAttachmentsExclusive(
            f"{name}-policies",
            role_name=self.role.name,
            policy_arns=partition.apply(managed_policy_arns),
            opts=under(self),
        )
        self.register_outputs({"arn": self.role.arn, "role_name": self.role.name})


class BackupPlan(pulumi.ComponentResource):
    """One plan with its rules."""

    def __init__(
        self, name: str, plan: dict[str, Any], vault_name: pulumi.Output[str], opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupPlan", name, None, opts)
        self.plan = aws.backup.Plan(
            name,
            name=plan["name"],
            rules=plan_rules(plan, vault_name),
            opts=under(self),
        )
        self.register_outputs({"id": self.plan.id, "arn": self.plan.arn, "name": self.plan.name})


class BackupSelection(pulumi.ComponentResource):
    """One tag selection of a plan."""

    def __init__(
        self,
        name: str,
        selection_name: str,
        tags: dict[str, str],
        plan_id: pulumi.Output[str],
        role_arn: pulumi.Output[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupSelection", name, None, opts)
        self.selection = aws.backup.Selection(
            name,
            name=selection_name,
            plan_id=plan_id,
            iam_role_arn=role_arn,
            selection_tags=selection_tags(tags),
            opts=under(self),
        )
        self.register_outputs({"id": self.selection.id})


class WindowsServerBackup(pulumi.ComponentResource):
    """The stack's vault, role, plans and selections."""

    def __init__(self, name: str, vault_name: str, plans: list[dict[str, Any]]) -> None:
        super().__init__(f"{TYPE_PREFIX}:WindowsServerBackup", name, None, None)
        lookups = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=lookups).account_id
        partition = aws.get_partition_output(opts=lookups).partition
        self.vault = BackupVault(f"{name}-vault", vault_name, under(self)).vault
        self.role = BackupServiceRole(f"{name}-restore-role", account_id, partition, under(self)).role
        self.plans: dict[str, aws.backup.Plan] = {}
        self.selections: dict[str, dict[str, aws.backup.Selection]] = {}
        for plan in plans:
            component = BackupPlan(f"{name}-{plan['name']}", plan, self.vault.name, under(self))
            self.plans[plan["name"]] = component.plan
            self.selections[plan["name"]] = {}
            for selection in plan["selections"]:
                selection_name = selection.get("name", plan["name"])
                self.selections[plan["name"]][selection_name] = BackupSelection(
                    f"{name}-{plan['name']}-{selection_name}",
                    selection_name,
                    selection["tags"],
                    component.plan.id,
                    self.role.arn,
                    under(component),
                ).selection
        self.register_outputs(
            {
                "vault_arn": self.vault.arn,
                "role_arn": self.role.arn,
                "plan_ids": {plan_name: plan.id for plan_name, plan in self.plans.items()},
            }
        )


config = pulumi.Config()
backup = WindowsServerBackup("backup", config.require_object("vault")["name"], config.require_object("plans"))
pulumi.export("region", pulumi.Config("aws").require("region"))
pulumi.export("vault_name", backup.vault.name)
pulumi.export("vault_arn", backup.vault.arn)
pulumi.export("role_arn", backup.role.arn)
pulumi.export(
    "plans",
    {
        name: {
            "id": plan.id,
            "arn": plan.arn,
            "selections": {sel_name: sel.id for sel_name, sel in backup.selections[name].items()},
        }
        for name, plan in backup.plans.items()
    },
)
