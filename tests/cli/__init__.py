"""The `assistant` command's tests; `bad_choice` checks the usage error of a value outside an option's set."""


def bad_choice(exit_code: int, output: str, value: str, suggestion: str | None = None) -> None:
    """Exit code 2 and the catalogue's message naming the value (and the nearest known one), no traceback."""
    flat = "".join(line.strip("│ ") for line in output.splitlines())  # the error panel wraps long lines
    assert exit_code == 2 and "Traceback" not in output, output
    assert f"“{value}”" in flat, output
    assert suggestion is None or f"您是不是要输入“{suggestion}”" in flat, output


def in_process(args, env: dict[str, str], stdin: str | None = None):
    """`assistant ARGS` run by typer's CliRunner inside this process with `env` as its environment (the settings
    read afresh from it), returned as the CompletedProcess a real run gives (exit code, stdout, stderr apart).

    For tests about what a command says and exits with, not about the process boundary (each family keeps its
    real-subprocess tests). An uncaught exception is raised here: a traceback fails the test as it would on stderr."""
    import logging
    import subprocess

    from typer.testing import CliRunner

    from assistant import cli
    from assistant.config import get_settings

    handlers = list(logging.getLogger().handlers)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, [str(a) for a in args], input=stdin, env=dict(env),
                                    prog_name="assistant")
    finally:
        get_settings.cache_clear()
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h not in handlers]:  # what the command installed
            root.removeHandler(handler)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(["assistant", *map(str, args)], result.exit_code, result.stdout,
                                       result.stderr)
