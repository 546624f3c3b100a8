"""The headless Chromium that Odoo's browser tours drive (tests/test_tours.py).

Odoo looks for it on PATH under these names. When none is there, the test
set-up installs Debian's ``chromium`` package with apt (as root, or through
``sudo`` without a password); nothing downloads a browser of its own.
"""

import os
import shutil
import subprocess

# The names odoo.tests.common._find_executable tries, in its order.
CHROME_NAMES = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")
DEBIAN_PACKAGE = "chromium"


class BrowserMissing(RuntimeError):
    pass


def find_chrome():
    return next(filter(None, map(shutil.which, CHROME_NAMES)), None)


def ensure_chrome(say):
    """The path of a Chrome or Chromium, installed from Debian's packages
    when there is none."""
    found = find_chrome()
    if found:
        return found
    if not shutil.which("apt-get"):
        raise BrowserMissing(
            "the browser tours need Chromium or Chrome on PATH; install it "
            f"(one of: {', '.join(CHROME_NAMES)})"
        )
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    say(f"installing Debian's {DEBIAN_PACKAGE} for the browser tours")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", DEBIAN_PACKAGE],
    ):
        done = subprocess.run([*prefix, *command], env=env, check=False)
        if done.returncode:
            raise BrowserMissing(
                f"`{' '.join(command)}` failed (exit {done.returncode}); install "
                f"{DEBIAN_PACKAGE} yourself and run ./dev test again"
            )
    found = find_chrome()
    if not found:
        raise BrowserMissing(f"{DEBIAN_PACKAGE} installed but not found on PATH")
    return found
