"""Print the Odoo requirements to install, one per line, from Odoo's requirements.txt.

Odoo pins, per Python version, the releases of the Linux distributions it supports;
the pins for older Pythons are sources that no longer build with current compilers.
We take, for each package, the pins Odoo gives for the newest Python it lists (at
least 3.12), which all exist as wheels. python-ldap is left out: it builds against
the system's libldap and only the auth_ldap addon needs it.

Runs inside the virtual environment, where pip's vendored ``packaging`` is present.
"""

import platform
import sys

from pip._vendor.packaging.requirements import InvalidRequirement, Requirement

LEFT_OUT = {"python-ldap"}


def select(lines):
    version = max(platform.python_version_tuple()[:2], ("3", "12"), key=_as_int)
    environment = {
        "python_version": ".".join(version),
        "python_full_version": ".".join(version) + ".0",
    }
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if requirement.name.lower() in LEFT_OUT:
            continue
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        requirement.marker = None
        yield str(requirement)


def _as_int(version):
    return tuple(int(part) for part in version)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as requirements:
        print("\n".join(select(requirements)))
