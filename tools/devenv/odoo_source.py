"""Find the Odoo 18.0 that the user brings: a source tree or an installed package.

The scripts never download or build Odoo; they only look for it, in this order:

1. the folder named by ``$ODOO_PATH`` (when set, nothing else is tried);
2. folders beside the checkout: ``../odoo``, ``../odoo-18.0``, ``../OCB``;
3. folders in the home directory: ``~/odoo``, ``~/odoo-18.0``, ``~/src/odoo``;
4. system folders: ``/opt/odoo``, ``/opt/odoo/odoo``, ``/opt/odoo18``,
   ``/opt/odoo-18.0``, ``/srv/odoo``, ``/usr/local/src/odoo``, and
   ``/usr/lib/python3/dist-packages`` (the Debian/Ubuntu ``odoo`` package);
5. an ``odoo`` package importable by the ``python3`` on ``PATH`` (``pip install``).
"""

import os
import re
import subprocess
from pathlib import Path

OVERRIDE_VARIABLE = "ODOO_PATH"
WANTED_SERIES = (18, 0)


SYSTEM_FOLDERS = (
    "/opt/odoo",
    "/opt/odoo/odoo",
    "/opt/odoo18",
    "/opt/odoo-18.0",
    "/srv/odoo",
    "/usr/local/src/odoo",
    "/usr/lib/python3/dist-packages",
)


class OdooNotFound(Exception):
    pass


class OdooSource:
    """An Odoo found on this machine: ``root`` is the folder that holds ``odoo/``."""

    def __init__(self, root):
        self.root = Path(root).resolve()

    @property
    def requirements_file(self):
        path = self.root / "requirements.txt"
        return path if path.is_file() else None

    @property
    def odoo_bin(self):
        path = self.root / "odoo-bin"
        return path if path.is_file() else None

    @property
    def addons_paths(self):
        """Odoo's own addons: ``odoo/addons``, plus ``addons/`` in a git clone."""
        paths = [self.root / "odoo" / "addons"]
        if (self.root / "addons" / "web").is_dir():
            paths.insert(0, self.root / "addons")
        return paths

    @property
    def version(self):
        return read_release(self.root)[1]


def read_release(root):
    """Return ``(version_info tuple head, version string)`` of the Odoo in ``root``."""
    release = Path(root) / "odoo" / "release.py"
    text = release.read_text(encoding="utf-8")
    match = re.search(r"^version_info\s*=\s*\((\d+),\s*(\d+)", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{release}: no version_info")
    series = (int(match.group(1)), int(match.group(2)))
    pkg_info = Path(root) / "PKG-INFO"
    version = "{}.{}".format(*series)
    if pkg_info.is_file():
        found = re.search(r"^Version:\s*(\S+)", pkg_info.read_text(), re.MULTILINE)
        version = found.group(1) if found else version
    return series, version


def candidate_folders(checkout):
    checkout = Path(checkout)
    home = Path.home()
    yield from (checkout.parent / name for name in ("odoo", "odoo-18.0", "OCB"))
    yield from (home / name for name in ("odoo", "odoo-18.0", "src/odoo"))
    yield from map(Path, SYSTEM_FOLDERS)
    yield _importable_odoo_root() or Path("(python3 -c 'import odoo')")


def _importable_odoo_root():
    """The folder holding an ``odoo`` package that plain ``python3`` imports."""
    probe = (
        "import odoo.release, os;"
        "print(os.path.dirname(os.path.dirname(odoo.release.__file__)))"
    )
    try:
        out = subprocess.run(
            ["python3", "-c", probe],
            capture_output=True,
            text=True,
            timeout=60,
            cwd="/",
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout else None


def _check(folder):
    """Return ``None`` when ``folder`` holds Odoo 18.0, else why it does not."""
    if not (folder / "odoo" / "release.py").is_file():
        return "no odoo/release.py"
    if not (folder / "odoo" / "addons" / "base").is_dir():
        return "no odoo/addons/base"
    try:
        series, version = read_release(folder)
    except (OSError, ValueError) as error:
        return str(error)
    if series != WANTED_SERIES:
        return f"Odoo {version}, not 18.0"
    return None


def find_odoo(checkout):
    """The ``OdooSource`` to use; ``OdooNotFound`` says where we looked."""
    override = os.environ.get(OVERRIDE_VARIABLE)
    folders = [Path(override).expanduser()] if override else candidate_folders(checkout)
    looked = []
    for folder in folders:
        reason = _check(folder) if folder.is_dir() else "not there"
        if reason is None:
            return OdooSource(folder)
        looked.append(f"  {folder}: {reason}")
    where = f"${OVERRIDE_VARIABLE}" if override else "the usual places"
    raise OdooNotFound(
        f"No Odoo 18.0 Community found in {where}. Looked at:\n"
        + "\n".join(looked)
        + f"\nPoint the scripts at an Odoo 18.0 source tree (the folder that holds"
        f" odoo-bin and odoo/) with:\n  export {OVERRIDE_VARIABLE}=/path/to/odoo"
        "\nA source can be had with: git clone --depth 1 --branch 18.0"
        " https://github.com/odoo/odoo  (see README.md, 'Odoo')."
    )
