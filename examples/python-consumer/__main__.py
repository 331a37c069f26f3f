"""A consumer program: daily/weekly/monthly backups of one team's file servers, in a few lines.

No stack config layer: the components are used directly, as any Pulumi program would.
"""

import pulumi
from windows_server_backup import BackupPlan, BackupSelection, BackupServiceRole, BackupVault
from windows_server_backup.presets import daily_weekly_monthly_rules, tag_selection, weekly_windows_rule

vault = BackupVault("file-servers", {"name": "file-servers"})
role = BackupServiceRole("file-servers-backup", {})

routine = BackupPlan(
    "file-servers",
    {
        "name": "file-servers",
        "vault_name": vault.name,
        # The file servers are backed up whole (EC2, with VSS): AWS Backup keeps their backups warm,
        # so the monthly ones ask for no cold storage.
        "rules": daily_weekly_monthly_rules(archive_monthly=False),
        "windows_vss": True,
    },
)
BackupSelection("file-servers", tag_selection("team", "file-servers", plan_id=routine.id, role_arn=role.arn))

weekly = BackupPlan(
    "domain-controllers",
    {
        "name": "domain-controllers",
        "vault_name": vault.name,
        "rules": [weekly_windows_rule(keep_days=60)],
        "windows_vss": True,
    },
)
BackupSelection("domain-controllers", tag_selection("role", "domain-controller", plan_id=weekly.id, role_arn=role.arn))

pulumi.export("vault_arn", vault.arn)
