# SPDX-License-Identifier: Apache-2.0
"""A private PostgreSQL cluster (fixtures/postgres.py) answers over TCP on
127.0.0.1 only, from its own data directory, keeps data across a stop and
start (the database going away and coming back), and is gone by its PID
at the end. Heavy."""
import os
import subprocess

import pytest

from fixtures.postgres import _alive

pytestmark = pytest.mark.heavy


def test_private_cluster_answers_and_restarts(postgres):
    assert postgres.psql("SELECT 40 + 2").strip() == "42"
    assert postgres.psql("SHOW listen_addresses").strip() == "127.0.0.1"
    assert postgres.psql("SHOW port").strip() == str(postgres.port)
    assert postgres.psql("SHOW data_directory").strip() == postgres.datadir
    assert postgres.psql("SELECT current_database()").strip() == "deviceid"
    assert postgres.psql("SHOW server_version").startswith("15.")

    postgres.psql("CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL UNIQUE)")
    postgres.psql("INSERT INTO t (v) VALUES ('a'), ('b')")
    cp = subprocess.run(["psql", "-X", "-At", postgres.url, "-c", "INSERT INTO t (v) VALUES ('a')"],
                        capture_output=True)
    assert cp.returncode != 0 and b"duplicate key" in cp.stderr

    # The URL and the socket URL reach the same database.
    for url in (postgres.url, postgres.socket_url):
        cp = subprocess.run(["psql", "-X", "-At", url, "-c", "SELECT string_agg(v, ',' ORDER BY id) FROM t"],
                            capture_output=True, check=True)
        assert cp.stdout.decode().strip() == "a,b"

    pid = postgres.pid
    postgres.stop()
    assert not _alive(pid)
    cp = subprocess.run(["psql", "-X", "-At", postgres.url, "-c", "SELECT 1"], capture_output=True)
    assert cp.returncode != 0
    postgres.start()
    assert postgres.pid != pid
    assert postgres.psql("SELECT count(*) FROM t").strip() == "2"
    other = postgres.create_database("second")
    assert other.endswith(f":{postgres.port}/second")
    assert postgres.psql("SELECT 1", dbname="second").strip() == "1"


def system_clusters():
    cp = subprocess.run(["pg_lsclusters", "-h"], capture_output=True)
    return cp.stdout.decode() if cp.returncode == 0 else None


def test_cluster_is_private_and_stopped_by_pid(request):
    """stop() ends the server by its PID; the system's clusters (Debian's
    pg_lsclusters) are the same before and after."""
    before = system_clusters()
    pg = request.getfixturevalue("postgres")
    d, pid = pg.dir, pg.pid
    assert not d.startswith("/var/lib/postgresql")
    assert os.stat(pg.datadir).st_mode & 0o077 == 0
    assert _alive(pid)
    # Tear it down now, as the end of the test would.
    pg.stop()
    assert not _alive(pid)
    assert system_clusters() == before
