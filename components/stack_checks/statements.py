"""The vault policy statements of your own, judged once the stack's account is known."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from ..policies import vault_statement_problems
from .common import StackProblem


def foreign_account_statements(vault: Mapping[str, Any], source_account_id: Optional[str]) -> list[StackProblem]:
    """Statements allowing other accounts more than copies in, once the stack's account is known."""
    statements = list(vault.get("policy_statements") or [])
    if not statements or not source_account_id:
        return []
    options = {
        "deny_deletions": vault.get("deny_deletions", True),
        "break_glass_role_arn": vault.get("break_glass_role_arn"),
    }
    known = {path for path, _ in vault_statement_problems(statements, **options)}
    return [
        (f"vault.policy_statements{path}", statements[int(path[1 : path.index("]")])].get("Principal"), violation)
        for path, violation in vault_statement_problems(statements, account_id=source_account_id, **options)
        if path not in known
    ]
