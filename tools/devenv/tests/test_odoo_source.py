"""Where ./dev looks for Odoo, and what it says when it finds none."""

import odoo_source
import pytest
from odoo_source import OdooNotFound, find_odoo


def fake_odoo(folder, series="18, 0"):
    (folder / "odoo" / "addons" / "base").mkdir(parents=True)
    (folder / "odoo" / "release.py").write_text(
        f"version_info = ({series}, 0, FINAL, 0, '')\n"
    )
    (folder / "requirements.txt").write_text("lxml\n")
    return folder


@pytest.fixture
def nowhere(monkeypatch, tmp_path):
    """No Odoo in any conventional place: home and system folders are empty."""
    monkeypatch.delenv("ODOO_PATH", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(odoo_source, "SYSTEM_FOLDERS", (str(tmp_path / "opt/odoo"),))
    monkeypatch.setattr(odoo_source, "_importable_odoo_root", lambda: None)
    checkout = tmp_path / "work" / "any-name"
    checkout.mkdir(parents=True)
    return checkout


def test_override_variable_is_the_only_place(monkeypatch, tmp_path, nowhere):
    source = fake_odoo(tmp_path / "elsewhere")
    fake_odoo(nowhere.parent / "odoo")
    monkeypatch.setenv("ODOO_PATH", str(source))
    assert find_odoo(nowhere).root == source.resolve()


def test_sibling_before_home_before_system(tmp_path, nowhere):
    fake_odoo(tmp_path / "opt/odoo")
    assert find_odoo(nowhere).root == (tmp_path / "opt/odoo").resolve()
    fake_odoo(tmp_path / "home" / "odoo")
    assert find_odoo(nowhere).root == (tmp_path / "home/odoo").resolve()
    fake_odoo(nowhere.parent / "odoo-18.0")
    assert find_odoo(nowhere).root == (nowhere.parent / "odoo-18.0").resolve()


def test_other_series_is_refused_and_named(tmp_path, nowhere):
    fake_odoo(tmp_path / "opt/odoo", series="17, 0")
    with pytest.raises(OdooNotFound) as refused:
        find_odoo(nowhere)
    assert f"{tmp_path / 'opt/odoo'}: Odoo 17.0, not 18.0" in str(refused.value)


def test_message_names_every_place_and_the_override(tmp_path, nowhere):
    with pytest.raises(OdooNotFound) as refused:
        find_odoo(nowhere)
    message = str(refused.value)
    for place in (
        nowhere.parent / "odoo",
        tmp_path / "home" / "odoo",
        tmp_path / "opt/odoo",
    ):
        assert f"{place}: not there" in message
    assert "python3 -c 'import odoo'" in message
    assert "export ODOO_PATH=/path/to/odoo" in message


def test_wrong_override_is_reported(monkeypatch, tmp_path, nowhere):
    monkeypatch.setenv("ODOO_PATH", str(tmp_path))
    with pytest.raises(OdooNotFound) as refused:
        find_odoo(nowhere)
    assert "in $ODOO_PATH" in str(refused.value)
    assert f"{tmp_path}: no odoo/release.py" in str(refused.value)


def test_git_clone_has_both_addons_folders(tmp_path):
    source = fake_odoo(tmp_path / "odoo")
    (source / "addons" / "web").mkdir(parents=True)
    found = odoo_source.OdooSource(source)
    assert found.addons_paths == [source / "addons", source / "odoo" / "addons"]
