"""Run the program offline: the real ``__main__.py`` against Pulumi's mock engine."""

from .engine import OFFLINE_ACCOUNT_ID, OfflineMockError, OfflineRun, Registration, run_offline, run_program
from .stack_files import MissingStackFileError, StackFileError, StackSettings, read_stack, stack_names

__all__ = [
    "OFFLINE_ACCOUNT_ID",
    "MissingStackFileError",
    "OfflineMockError",
    "OfflineRun",
    "Registration",
    "StackFileError",
    "StackSettings",
    "read_stack",
    "run_offline",
    "run_program",
    "stack_names",
]
