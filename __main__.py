"""windows-server-backup: AWS Backup for Windows Server EC2 instances and EBS volumes.

Reads and validates the whole stack config first (nothing is registered when it is wrong),
then builds the stack's one top-level component and exports what other stacks and people need.
"""

import pulumi

from components import WindowsServerBackup
from stack_config import component_args, load_stack_config, stack_warnings

config, region = load_stack_config()
for warning in stack_warnings(config, region):
    pulumi.log.warn(warning)
backup = WindowsServerBackup("backup", component_args(config))

pulumi.export("region", region)
pulumi.export("vault_name", backup.vault.name)
pulumi.export("vault_arn", backup.vault.arn)
pulumi.export("role_arn", backup.role_arn)
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
