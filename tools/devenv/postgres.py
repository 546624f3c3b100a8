"""The PostgreSQL server the scripts use.

A server named by the usual libpq variables (``PGHOST``, ``PGPORT``, ``PGUSER``,
``PGPASSWORD``) or by the Odoo configuration file (``$ODOO_RC`` or ``~/.odoorc``) is
used when it answers. Otherwise a private cluster lives in ``.devenv/postgres``:
unix socket only, trust authentication, superuser ``odoo``.

PostgreSQL refuses to run as root. As root, the cluster's programs run in a user
namespace where they are an ordinary user (``unshare --user --map-user``), which
needs no other account and no access rights on the folders above the checkout.
"""

import configparser
import glob
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "odoo"
PORT = 5432
LIBPQ_VARIABLES = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")
# sockaddr_un.sun_path holds 108 bytes, the socket's file name included.
MAX_SOCKET_DIR = 90


class PostgresError(Exception):
    pass


def find_bindir():
    """The folder of the newest PostgreSQL server programs on this machine."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
        + glob.glob("/usr/pgsql-*/bin/pg_ctl")
        + glob.glob("/usr/local/pgsql/bin/pg_ctl"),
        key=lambda path: [
            int(p) for p in Path(path).parts[-3].split("-")[-1:] if p.isdigit()
        ],
    )
    if not found:
        raise PostgresError(
            "No PostgreSQL server programs (pg_ctl, initdb) found on PATH nor in "
            "/usr/lib/postgresql/*/bin: install PostgreSQL's server package "
            "(Debian: apt install postgresql), or name a running server with PGHOST."
        )
    return Path(found[-1]).parent


def _odoo_rc_options():
    path = os.environ.get("ODOO_RC") or os.path.expanduser("~/.odoorc")
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        return {}
    if not parser.has_section("options"):
        return {}
    options = {}
    for key in ("db_host", "db_port", "db_user", "db_password"):
        value = parser.get("options", key, fallback="")
        if value and value != "False":
            options[key] = value
    return options


class Server:
    """Connection settings of a server, and the programs that talk to it."""

    def __init__(self, bindir, options, private=None):
        self.bindir = bindir
        self.options = options  # db_host, db_port, db_user, db_password for Odoo
        self.private = private

    def env(self):
        env = dict(os.environ)
        mapping = {
            "db_host": "PGHOST",
            "db_port": "PGPORT",
            "db_user": "PGUSER",
            "db_password": "PGPASSWORD",
        }
        for option, variable in mapping.items():
            if option in self.options:
                env[variable] = str(self.options[option])
        return env

    def psql(self, sql, database="postgres"):
        out = subprocess.run(
            [
                self.bindir / "psql",
                "-X",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                database,
                "-c",
                sql,
            ],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode:
            raise PostgresError(f"psql failed on {sql!r}: {out.stderr.strip()}")
        return out.stdout.strip()

    def answers(self):
        out = subprocess.run(
            [self.bindir / "psql", "-X", "-At", "-d", "postgres", "-c", "select 1"],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        return out.returncode == 0

    def database_exists(self, name):
        return self.psql(f"select 1 from pg_database where datname = '{name}'") == "1"

    def databases(self, like):
        rows = self.psql(f"select datname from pg_database where datname like '{like}'")
        return rows.split("\n") if rows else []

    def drop_database(self, name):
        subprocess.run(
            [self.bindir / "dropdb", "--if-exists", "--force", name],
            env=self.env(),
            check=True,
            stderr=subprocess.DEVNULL,  # "does not exist, skipping"
        )

    def copy_database(self, template, name):
        subprocess.run(
            [self.bindir / "createdb", "-T", template, name], env=self.env(), check=True
        )

    def rename_database(self, old, new):
        self.psql(f'alter database "{old}" rename to "{new}"')


class PrivateCluster:
    """A cluster in an ignored folder of the checkout, started only when needed."""

    def __init__(self, folder, bindir):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.bindir = bindir
        self.socket_dir = self._socket_dir()

    def _socket_dir(self):
        if len(str(self.folder)) <= MAX_SOCKET_DIR:
            return self.folder
        # A deep checkout: keep the socket in a short folder of our own.
        tag = hashlib.sha1(str(self.folder).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"hr_timesheet_billing-pg-{tag}"

    def _as_cluster_owner(self):
        """The command prefix that runs PostgreSQL's programs as a non-root user."""
        if os.geteuid() != 0:
            return []
        unprivileged = "postgres" if _user_exists("postgres") else "nobody"
        prefix = [
            "unshare",
            "--user",
            f"--map-user={unprivileged}",
            f"--map-group={unprivileged}",
        ]
        probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
        if probe.returncode:
            raise PostgresError(
                "Running as root, and user namespaces are not available to run "
                "PostgreSQL as an ordinary user (unshare --user failed: "
                f"{probe.stderr.decode().strip()}). Run the scripts as a normal user, "
                "or name a running server with PGHOST/PGUSER."
            )
        return prefix

    def _pg_ctl(self, *arguments, check=True):
        return subprocess.run(
            [
                *self._as_cluster_owner(),
                self.bindir / "pg_ctl",
                "-D",
                self.data,
                *arguments,
            ],
            capture_output=True,
            text=True,
            check=check,
        )

    def is_running(self):
        return (
            self.data.is_dir() and self._pg_ctl("status", check=False).returncode == 0
        )

    def start(self):
        """Initialise the cluster if needed, start it; True if started here."""
        if self.is_running():
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").is_file():
            print(f"[devenv] creating a private PostgreSQL cluster in {self.data}")
            shutil.rmtree(self.data, ignore_errors=True)
            subprocess.run(
                [
                    *self._as_cluster_owner(),
                    self.bindir / "initdb",
                    "-D",
                    self.data,
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-instructions",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        # A scratch cluster for development and tests: durability is not needed,
        # speed is (fsync off).
        options = (
            f"-k {self.socket_dir} -p {PORT} -c listen_addresses='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        started = self._pg_ctl(
            "start", "-w", "-t", "60", "-l", self.log, "-o", options, check=False
        )
        if started.returncode:
            raise PostgresError(
                f"PostgreSQL did not start: {started.stderr.strip()}\nSee {self.log}."
            )
        print(f"[devenv] PostgreSQL started (socket in {self.socket_dir})")
        return True

    def stop(self):
        self._pg_ctl("stop", "-m", "fast", "-w", check=False)
        print("[devenv] PostgreSQL stopped")


def _user_exists(name):
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def external_server(bindir):
    """The server named by PG* variables or Odoo's configuration, if it answers."""
    named = {key: os.environ[key] for key in LIBPQ_VARIABLES if os.environ.get(key)}
    options = _odoo_rc_options()
    if not named and not options:
        return None
    server = Server(bindir, options)
    if server.answers():
        return server
    print(
        "[devenv] the PostgreSQL server named by PG*/Odoo options does not answer;"
        " using a private cluster"
    )
    return None


def private_server(bindir, cluster):
    return Server(
        bindir,
        {"db_host": str(cluster.socket_dir), "db_port": PORT, "db_user": SUPERUSER},
        private=cluster,
    )
