"""The wheel pip builds of the addon (pyproject.toml, whool): versioned as the
manifest, installed as odoo.addons.hr_timesheet_billing."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from repository import copy_tracked_files

CHECKOUT = Path(__file__).resolve().parents[3]
ADDON = "hr_timesheet_billing"


def manifest_version():
    manifest = ast.literal_eval((CHECKOUT / "__manifest__.py").read_text())
    return manifest["version"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("whool", reason="installed by ./dev from requirements-dev.txt")
    # whool names the package after the addon's folder: build from the
    # repository's files in a folder named as the addon (outside git, so the
    # version is the manifest's), as the README tells users to clone it.
    source = copy_tracked_files(CHECKOUT, tmp_path_factory.mktemp("source") / ADDON)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps"),
            *("--no-build-isolation", "--quiet", "--wheel-dir", str(out)),
            str(source),
        ],
        check=True,
    )
    (path,) = out.glob("*.whl")
    return path


def test_wheel_holds_the_addon_under_odoo_addons(wheel):
    version = manifest_version()
    assert wheel.name == f"odoo_addon_{ADDON}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(
            f"odoo_addon_{ADDON}-{version}.dist-info/METADATA"
        ).decode()
    assert f"odoo/addons/{ADDON}/__manifest__.py" in names
    assert f"odoo/addons/{ADDON}/models/account_analytic_line.py" in names
    assert f"Name: odoo-addon-{ADDON}" in metadata
    requires = [
        line.split(":", 1)[1].strip().lower()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    ]
    assert any(require.startswith("odoo") for require in requires), requires
    assert any(require.startswith("num2words") for require in requires), requires
    assert any(require.startswith("xlsxwriter") for require in requires), requires


def test_installed_wheel_imports_as_an_odoo_addon(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--no-deps", "--quiet"),
            *("--target", str(target), str(wheel)),
        ],
        check=True,
    )
    # Odoo comes from its source (a path entry), the addon from the install.
    code = (
        "import sys; sys.path.append(sys.argv[1]); "
        "import odoo.addons.hr_timesheet_billing as addon; print(addon.__file__)"
    )
    found = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    installed = target / "odoo" / "addons" / ADDON / "__init__.py"
    assert found.stdout.strip() == str(installed)
