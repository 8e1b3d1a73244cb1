"""Run a ``bwmo`` subcommand in the test process, on the test database, and see what the
shell would see: its exit code, stdout and stderr.

Exit codes follow Django's ``run_from_argv``: bad arguments exit 2 (argparse), a
``CommandError`` exits with its ``returncode``, ``sys.exit(n)`` with ``n``. Only what needs a
process of its own (the entry point, settings that refuse to load, ``serve``, the kill
drills) starts one.
"""

from contextlib import redirect_stderr
from dataclasses import dataclass
from io import StringIO

from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_command(name: str, *args) -> Result:
    argv = [str(arg) for arg in args]
    stdout, stderr = StringIO(), StringIO()
    try:
        # The arguments as the command line parses them: a bad one exits 2 with argparse's
        # message (call_command would raise a CommandError with exit code 1 instead).
        command = load_command_class(get_commands()[name], name)
        command._called_from_command_line = True
        with redirect_stderr(stderr):
            command.create_parser("bwmo", name).parse_args(argv)
        call_command(name, *argv, stdout=stdout, stderr=stderr)
        code = 0
    except SystemExit as exit:
        if exit.code is None or isinstance(exit.code, int):
            code = exit.code or 0
        else:
            stderr.write(f"{exit.code}\n")
            code = 1
    except CommandError as error:
        stderr.write(f"CommandError: {error}\n")
        code = error.returncode
    return Result(code, stdout.getvalue(), stderr.getvalue())
