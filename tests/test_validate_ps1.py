"""The PowerShell the restore validation sends, checked as far as this machine can.

No PowerShell runs here (neither Debian nor PyPI nor npm ships ``pwsh`` without downloading it at
install time), so the script is read with a small tokenizer instead: strings and comments closed,
brackets balanced and nested, nothing Windows PowerShell 5.1 (what SSM's AWS-RunPowerShellScript
runs on Windows Server) cannot parse, no shell syntax from elsewhere, and no variable read before
anything assigns it. The first line the function adds is checked the same way.
"""

from __future__ import annotations

import re

import pytest

from components.lambdas.restore_validation.handler import SCRIPT, script_lines

CLOSING = {")": "(", "]": "[", "}": "{"}
#: Variables PowerShell provides.
AUTOMATIC = {"_", "null", "true", "false", "Matches", "LASTEXITCODE", "ErrorActionPreference"}


def code_of(script: str) -> tuple[str, list[str]]:
    """The script with strings' contents and comments blanked, and the problems found on the way."""
    out: list[str] = []
    problems: list[str] = []
    i, n = 0, len(script)
    while i < n:
        char = script[i]
        if char == "#":
            end = script.find("\n", i)
            i = n if end < 0 else end
            continue
        if char == "<" and script.startswith("<#", i):
            end = script.find("#>", i)
            if end < 0:
                problems.append("a block comment is not closed")
                break
            i = end + 2
            continue
        if char in "'\"":
            j = i + 1
            while j < n:
                if script[j] == "`" and char == '"':
                    j += 2
                    continue
                if script[j] == char:
                    if j + 1 < n and script[j + 1] == char:  # '' or "" inside the string
                        j += 2
                        continue
                    break
                if script[j] == "\n" and char == "'" and script.startswith("'@", j + 1):
                    break
                j += 1
            if j >= n:
                problems.append(f"a {char} string opened at offset {i} is not closed")
                break
            body = script[i + 1 : j]
            # Variables in double-quoted strings are read like code.
            out.append(char + (" ".join(re.findall(r"\$\w+", body)) if char == '"' else "") + char)
            i = j + 1
            continue
        out.append(char)
        i += 1
    return "".join(out), problems


def bracket_problems(code: str) -> list[str]:
    stack: list[str] = []
    for char in code:
        if char in "([{":
            stack.append(char)
        elif char in CLOSING and (not stack or stack.pop() != CLOSING[char]):
            return [f"unbalanced {char!r}"]
    return [f"unclosed {stack[-1]!r}"] if stack else []


def script_problems(script: str) -> list[str]:
    code, problems = code_of(script)
    problems += bracket_problems(code)
    for pattern, why in (
        (r"&&|\|\|", "'&&'/'||' need PowerShell 7; SSM runs Windows PowerShell 5.1"),
        (r"\?\?|\?\.", "null-coalescing and null-conditional operators need PowerShell 7"),
        (r"^\s*(fi|then|done|esac|do)\s*$|\[\[|\$\(\(|^\s*export\s", "shell syntax from bash"),
        (r"\bWrite-Host\b", "Write-Host output is not captured as the report"),
    ):
        for line in code.splitlines():
            if re.search(pattern, line):
                problems.append(f"{why}: {line.strip()}")
    assigned = set(AUTOMATIC)
    for line in code.splitlines():
        for name in re.findall(r"\$(\w+)\s*\+?=(?!=)", line):
            assigned.add(name)
        for name in re.findall(r"foreach\s*\(\s*\$(\w+)\s+in\b", line):
            assigned.add(name)
        for name in re.findall(r"\$(\w+)", line):
            if name not in assigned and not re.search(rf"\${name}\s*\+?=(?!=)", line):
                problems.append(f"${name} is read before anything assigns it: {line.strip()}")
    return problems


def test_the_script_the_function_sends_parses():
    assert script_problems("\n".join(script_lines(("W32Time", "MSSQL$SQLEXPRESS")))) == []


def test_the_script_alone_reads_only_the_services_variable_before_assigning_it():
    assert script_problems(SCRIPT) == [
        f"$RequiredServices is read before anything assigns it: {line.strip()}"
        for line in code_of(SCRIPT)[0].splitlines()
        if "$RequiredServices" in line
    ]


def test_the_script_keeps_windows_powershell_5_1_from_stopping_on_vssadmin_stderr():
    # With 'Stop', Windows PowerShell turns a native command's stderr into a terminating error.
    before, after = SCRIPT.split("vssadmin.exe list writers", 1)
    assert before.rstrip().splitlines()[-1].strip().startswith("$vssOutput")
    assert before.rsplit("$ErrorActionPreference", 1)[1].startswith(" = 'Continue'")
    assert after.split("$ErrorActionPreference", 1)[1].startswith(" = 'Stop'")


def test_writer_states_are_read_by_number_not_by_localized_words():
    assert r"'\[(\d+)\]'" in SCRIPT
    assert "Stable" not in code_of(SCRIPT)[0]


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("if ($a) { 'x' ", "unclosed '{'"),
        ("$a = @(1, 2))", "unbalanced ')'"),
        ("$a = 'open", "a ' string opened at offset 5 is not closed"),
        ("$a = 1\nGet-Item x && Get-Item y", "'&&'/'||' need PowerShell 7"),
        ("$a = $b ?? 1", "null-coalescing"),
        ("$a = 1\nif [[ -f x ]]; then\nfi", "shell syntax from bash"),
        ("$a = $typo + 1", "$typo is read before anything assigns it"),
    ],
)
def test_the_checker_catches_what_it_looks_for(bad, problem):
    assert any(problem in found for found in script_problems(bad)), script_problems(bad)


def test_the_checker_reads_strings_and_comments():
    good = "$a = 'it''s # not a comment'  # a comment with { and '\n$b = \"$a and `\" quote\"\n<# block { #>\n$c = @($a, $b)"
    assert script_problems(good) == []
