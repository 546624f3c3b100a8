"""The system programs ./dev, the tests and the demo call, and the Debian
packages that provide them.

Each command checks its programs before it does anything else. A missing one
is installed with apt (as root, or through ``sudo`` without a password); where
that cannot be done, the command stops at once with the packages to install
and the command that installs them. Nothing downloads a program of its own.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass

# The names odoo.tests.common._find_executable tries, in its order.
CHROME_NAMES = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")


@dataclass(frozen=True)
class Program:
    """A program found on PATH under one of ``names``, from ``package``."""

    names: tuple
    package: str
    used_for: str
    commands: frozenset

    def find(self):
        return next(filter(None, map(shutil.which, self.names)), None)


# The README's table "What it sets up" lists these; keep them in step.
PROGRAMS = (
    Program(
        ("wkhtmltopdf",),
        "wkhtmltopdf",
        "Odoo prints every PDF with it (the printed invoice of the browser "
        "tour, the weekly overview, the demo's Print)",
        frozenset({"test", "demo", "screenshots"}),
    ),
    Program(
        CHROME_NAMES,
        "chromium",
        "the browser tours and the README's screenshots",
        frozenset({"test", "screenshots"}),
    ),
    Program(
        ("git",),
        "git",
        "lists the repository's files (linters, translation template, "
        "packaging test, demo updates)",
        frozenset({"test", "lint", "pot", "demo"}),
    ),
    Program(
        ("msgmerge", "msgattrib"),
        "gettext",
        "./dev pot merges the translations into the new template",
        frozenset({"pot"}),
    ),
)


class ProgramsMissing(RuntimeError):
    pass


def missing_for(command, programs=PROGRAMS):
    return [
        program
        for program in programs
        if command in program.commands and not program.find()
    ]


def _privilege_prefix():
    """``[]`` as root, ``["sudo", "-n"]`` where sudo works without a
    password, else ``None``."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        probe = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["sudo", "-n"]
    return None


def _install_hint(missing):
    packages = " ".join(sorted({program.package for program in missing}))
    lines = [f"  {program.package}: {program.used_for}" for program in missing]
    return (
        "\n".join(lines) + f"\nInstall them with:\n  sudo apt-get install -y {packages}"
    )


def ensure(command, say, programs=PROGRAMS):
    """Every program ``./dev command`` uses, installed from Debian's packages
    when missing; ``ProgramsMissing`` names what to install when that cannot
    be done here. Return ``{package: path of its program}``."""
    missing = missing_for(command, programs)
    if missing:
        _install(command, missing, say)
        still = [program for program in missing if not program.find()]
        if still:
            raise ProgramsMissing(
                f"./dev {command}: installed, but still not on PATH:\n"
                + _install_hint(still)
            )
    return {
        program.package: program.find()
        for program in programs
        if command in program.commands
    }


def _install(command, missing, say):
    packages = sorted({program.package for program in missing})
    prefix = _privilege_prefix() if shutil.which("apt-get") else None
    if prefix is None:
        why = (
            "no apt-get here"
            if not shutil.which("apt-get")
            else "not root, and sudo asks for a password"
        )
        raise ProgramsMissing(
            f"./dev {command} needs programs this machine lacks ({why}):\n"
            + _install_hint(missing)
            + f"\nthen run ./dev {command} again."
        )
    say(f"installing Debian's {', '.join(packages)} (./dev {command} uses them)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
    ):
        done = subprocess.run([*prefix, *step], env=env, check=False)
        if done.returncode:
            raise ProgramsMissing(
                f"`{' '.join(step)}` failed (exit {done.returncode}):\n"
                + _install_hint(missing)
                + f"\nthen run ./dev {command} again."
            )
