"""The repository's own files, apart from what ./dev keeps beside them."""

import shutil
import subprocess


def copy_tracked_files(checkout, destination):
    """Copy the files git tracks (staged ones included) from ``checkout`` to
    ``destination``: the addon without .devenv (environments, the database
    cluster, a link back to the checkout), which tools that read a whole
    folder, following links, would wander into."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"],
        cwd=checkout,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, tracked):
        if (checkout / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(checkout / name, destination / name)
    return destination
