"""What an organization stack registered, read back: its backup policies against its StackSets.

Independent of the program's own checks: everything here is read from the registrations (the
policy documents and the StackSet templates ``pulumi up`` would send), so a test that uses it
catches a generator that disagrees with itself.
"""

from __future__ import annotations

import json
from typing import Any

from offline import OfflineRun

POLICY = "aws:organizations/policy:Policy"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"


def backup_policies(run: OfflineRun) -> dict[str, dict[str, Any]]:
    """Each registered backup policy's document, by policy name."""
    return {
        str(policy.inputs["name"]): json.loads(policy.inputs["content"])
        for policy in run.of_type(POLICY)
        if policy.inputs.get("type") == "BACKUP_POLICY"
    }


def _assigned(node: dict[str, Any]) -> Any:
    return node["@@assign"]


def _regions_where(resource: dict[str, Any], conditions: dict[str, Any], regions: list[str]) -> list[str]:
    """The regions among ``regions`` where a template resource exists (its condition, if any)."""
    condition = resource.get("Condition")
    if condition is None:
        return regions

    def holds(test: dict[str, Any], region: str) -> bool:
        if "Fn::Or" in test:
            return any(holds(item, region) for item in test["Fn::Or"])
        left, right = test["Fn::Equals"]
        assert left == {"Ref": "AWS::Region"}, test
        return bool(right == region)

    return [region for region in regions if holds(conditions[condition], region)]


def disagreements(run: OfflineRun) -> list[str]:
    """Every place a policy names a vault or role that no StackSet creates where the policy needs it."""
    instance_regions = sorted(str(i.inputs["stackSetInstanceRegion"]) for i in run.of_type(INSTANCE))
    vaults: dict[str, set[str]] = {}  # vault name -> regions where a member stack creates it
    roles: set[str] = set()
    for stack_set in run.of_type(STACK_SET):
        template = json.loads(stack_set.inputs["templateBody"])
        conditions = template.get("Conditions", {})
        for resource in template["Resources"].values():
            where = _regions_where(resource, conditions, instance_regions)
            if resource["Type"] == "AWS::Backup::BackupVault":
                vaults.setdefault(resource["Properties"]["BackupVaultName"], set()).update(where)
            if resource["Type"] == "AWS::IAM::Role" and where:
                roles.add(resource["Properties"]["RoleName"])
    found: list[str] = []
    for policy_name, document in backup_policies(run).items():
        for plan_name, plan in document["plans"].items():
            at = f"{policy_name}: {plan_name}"
            for region in _assigned(plan["regions"]):
                for rule_name, rule in plan["rules"].items():
                    vault = _assigned(rule["target_backup_vault_name"])
                    if region not in vaults.get(vault, set()):
                        found.append(f"{at}: rule {rule_name} writes to {vault} in {region}, which no StackSet creates")
                    for arn in rule.get("copy_actions", {}):
                        _, _, _, copy_region, account, _, copy_vault = arn.split(":")
                        if account == "$account" and copy_region not in vaults.get(copy_vault, set()):
                            found.append(f"{at}: rule {rule_name} copies to {arn}, which no StackSet creates")
            for kind, selections in plan["selections"].items():
                for selection_name, selection in selections.items():
                    role = _assigned(selection["iam_role_arn"]).split(":role/", 1)[1]
                    if role not in roles:
                        found.append(
                            f"{at}: {kind} selection {selection_name} names role {role}, which no StackSet creates"
                        )
    return found
