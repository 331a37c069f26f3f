"""The restore validation function: ``handler.py`` and the PowerShell it runs on the restored instance."""
