"""The `assistant` command's tests; `bad_choice` checks the usage error of a value outside an option's set."""


def bad_choice(exit_code: int, output: str, value: str, suggestion: str | None = None) -> None:
    """Exit code 2 and the catalogue's message naming the value (and the nearest known one), no traceback."""
    flat = "".join(line.strip("│ ") for line in output.splitlines())  # the error panel wraps long lines
    assert exit_code == 2 and "Traceback" not in output, output
    assert f"“{value}”" in flat, output
    assert suggestion is None or f"您是不是要输入“{suggestion}”" in flat, output
