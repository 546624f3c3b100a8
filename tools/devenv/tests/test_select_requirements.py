"""Which of Odoo's pinned requirements ./dev installs."""

from select_requirements import select

ODOO_LINES = """
# comment
lxml==4.9.3 ; python_version > '3.10' and python_version < '3.12'  # old
lxml==5.2.1; python_version >= '3.12' # (Noble)
lxml-html-clean; python_version >= '3.12'
gevent==22.10.2; sys_platform != 'win32' and python_version < '3.12'
gevent==24.2.1 ; sys_platform != 'win32' and python_version >= '3.12'
pypiwin32 ; sys_platform == 'win32'
python-ldap==3.4.4 ; sys_platform != 'win32' and python_version >= '3.12'
pytz  # no version pinning
""".splitlines()


def test_pins_of_the_newest_python_are_taken():
    assert list(select(ODOO_LINES)) == [
        "lxml==5.2.1",
        "lxml-html-clean",
        "gevent==24.2.1",
        "pytz",
    ]
