"""The two virtual environments in .devenv/: ``venv`` runs Odoo and the tests, ``lint``
runs the linters. Each is built once and rebuilt only when what it installs changes."""

import ast
import hashlib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(command, **kwargs):
    subprocess.run([str(part) for part in command], check=True, **kwargs)


def _run_quietly(command):
    """Run a command, showing its output only when it fails."""
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        print(done.stdout + done.stderr)
        raise subprocess.CalledProcessError(done.returncode, command)


class VirtualEnv:
    def __init__(self, path):
        self.path = Path(path)
        self.python = self.path / "bin" / "python"
        self.stamp = self.path / ".devenv-stamp"

    def bin(self, name):
        return self.path / "bin" / name

    def site_packages(self):
        version = "python{}.{}".format(*sys.version_info[:2])
        return self.path / "lib" / version / "site-packages"

    def is_current(self, key):
        return self.stamp.is_file() and self.stamp.read_text() == key

    def create(self, key, install, system_site_packages=False):
        """(Re)create the environment, run ``install(self)``, then stamp it."""
        if self.path.exists():
            _run(["rm", "-rf", self.path])
        print(f"[devenv] creating {self.path} with Python {sys.version.split()[0]}")
        inherit = ["--system-site-packages"] if system_site_packages else []
        _run([sys.executable, "-m", "venv", *inherit, self.path])
        self.pip_install("--upgrade", "pip")
        install(self)
        self.stamp.write_text(key)

    def pip_install(self, *arguments):
        _run_quietly([self.python, "-m", "pip", "install", *arguments])


def _key(*parts):
    digest = hashlib.sha256(sys.version.encode())
    for part in parts:
        digest.update(str(part).encode())
        path = Path(part)
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def addon_python_dependencies(addon):
    manifest = ast.literal_eval((Path(addon) / "__manifest__.py").read_text())
    return manifest.get("external_dependencies", {}).get("python", [])


def ensure_odoo_env(state, odoo, addon):
    """The environment that imports Odoo (a .pth path entry) and runs pytest."""
    env = VirtualEnv(state / "venv")
    requirements = odoo.requirements_file
    dev_requirements = HERE / "requirements-dev.txt"
    extra = addon_python_dependencies(addon)
    key = _key(env.path, odoo.root, requirements or "", dev_requirements, *extra)
    if env.is_current(key):
        return env

    def install(env):
        if requirements:
            selected = state / "odoo-requirements.txt"
            with selected.open("w") as out:
                _run(
                    [env.python, HERE / "select_requirements.py", requirements],
                    stdout=out,
                )
            print(f"[devenv] installing Odoo's requirements ({selected})")
            env.pip_install("-r", selected)
        print("[devenv] installing the addon's and the tests' requirements")
        env.pip_install("-r", dev_requirements, *extra)
        # A plain path entry, not an editable install: setuptools' editable
        # finder loses to any site-packages/odoo/addons folder.
        (env.site_packages() / "odoo-source.pth").write_text(f"{odoo.root}\n")

    # An installed Odoo (Debian package, pip) brought its requirements with it.
    env.create(key, install, system_site_packages=not requirements)
    return env


def ensure_lint_env(state):
    env = VirtualEnv(state / "lint")
    requirements = HERE / "requirements-lint.txt"
    key = _key(env.path, requirements)
    if not env.is_current(key):
        env.create(key, lambda env: env.pip_install("-r", requirements))
    return env
