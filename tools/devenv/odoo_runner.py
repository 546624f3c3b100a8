"""Run Odoo from the virtual environment on a generated configuration file."""

import os
import re
import subprocess
from pathlib import Path

ADDON = "hr_timesheet_billing"
# Lines Odoo logs when something went wrong while installing or uninstalling.
FAILURE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.MULTILINE)
# The addon's own install and uninstall refuse warnings too.
FAILURE_STRICT = re.compile(r"^\S+ \S+ \d+ (WARNING|ERROR|CRITICAL) ", re.MULTILINE)


def link_addon(checkout, state):
    """Return ``.devenv/addons/hr_timesheet_billing``, a link to the checkout.

    Odoo and pylint know a module by its folder's name, and the checkout may have
    any name: they are given this link instead.
    """
    addons_dir = state / "addons"
    addons_dir.mkdir(parents=True, exist_ok=True)
    link = addons_dir / ADDON
    if not (link.is_symlink() and link.resolve() == checkout):
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(checkout, addons_dir))
    return link


class OdooRunner:
    def __init__(self, state, checkout, odoo, env, server):
        self.state = state
        self.odoo = odoo
        self.env = env
        self.server = server
        self.addons_dir = link_addon(checkout, state).parent
        self.config = self._write_config()

    @property
    def addon_path(self):
        return self.addons_dir / ADDON

    def _write_config(self):
        paths = [*self.odoo.addons_paths, self.addons_dir]
        lines = [
            "[options]",
            "addons_path = " + ",".join(str(path) for path in paths),
            f"data_dir = {self.state / 'data'}",
            "http_interface = 127.0.0.1",
            "max_cron_threads = 1",
        ]
        lines += [f"{key} = {value}" for key, value in self.server.options.items()]
        config = self.state / "odoo.conf"
        config.write_text("\n".join(lines) + "\n")
        return config

    def command(self, *arguments, subcommand="server"):
        return [
            str(self.env.python),
            "-m",
            "odoo",
            subcommand,
            "-c",
            str(self.config),
            *arguments,
        ]

    def process_env(self):
        env = self.server.env()
        env["TZ"] = "UTC"  # as odoo-bin does: the server works in UTC
        return env

    def run_logged(
        self, log_name, *arguments, stdin=None, subcommand="server", strict=False
    ):
        """Run Odoo to completion; fail when it fails or logs an error (or, when
        ``strict``, a warning)."""
        log = self.state / "logs" / log_name
        log.parent.mkdir(exist_ok=True)
        with log.open("w") as out:
            done = subprocess.run(
                self.command(*arguments, "--stop-after-init", subcommand=subcommand),
                env=self.process_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                input=stdin,
                text=True,
                check=False,
            )
        text = log.read_text()
        failure = FAILURE_STRICT if strict else FAILURE
        errors = [line for line in text.splitlines() if failure.match(line)]
        if done.returncode or errors:
            shown = "\n".join(errors[:20] or text.splitlines()[-40:])
            raise RuntimeError(
                f"Odoo failed ({' '.join(arguments)}), exit code {done.returncode}; "
                f"log: {log}\n{shown}"
            )
        return text

    def filestore(self, database):
        return self.state / "data" / "filestore" / database

    def installed_modules(self, database, names):
        quoted = ",".join(f"'{name}'" for name in names)
        rows = self.server.psql(
            f"select name from ir_module_module where state = 'installed' "
            f"and name in ({quoted})",
            database,
        )
        return set(rows.split("\n")) if rows else set()


def module_depends(checkout):
    import ast

    manifest = ast.literal_eval((Path(checkout) / "__manifest__.py").read_text())
    return sorted(manifest.get("depends", []))
