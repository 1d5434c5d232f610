# SPDX-License-Identifier: Apache-2.0
"""One storage suite, both backends: the C unit tests that exercise the
CA's database (the store itself, certificates and inventory, ACME
objects, nonces, pending attestations) run once on a SQLite file and once
on a private PostgreSQL cluster, each program on a fresh database of its
own (DEVICEID_TEST_DATABASE, tests/unit/ca/test-db.h). The PostgreSQL run
is heavy."""
import os
import subprocess

import pytest

from fixtures.procs import build_path

PROGRAMS = ["core/test-store", "core/test-issuer", "inventory/test-devices", "acme/test-acme-db",
            "acme/test-acme-nonce", "attest/test-attest", "console/test-console", "inventory/test-accounts",
             "posture/test-posture-ca"]


def run_tap(program, url, tmp_path):
    path = build_path("tests", "unit", "ca", *program.split("/"))
    assert os.access(path, os.X_OK), f"{path} is not built"
    env = {**os.environ, "DEVICEID_TEST_DATABASE": url}
    env.pop("DEVICEID_LOG_LEVEL", None)
    cp = subprocess.run([path], env=env, capture_output=True, timeout=300, cwd=tmp_path)
    out = cp.stdout.decode(errors="replace")
    failed = [line for line in out.splitlines() if line.startswith("not ok")]
    plan = [line for line in out.splitlines() if line.startswith("1..")]
    assert cp.returncode == 0 and not failed and plan, (
        f"{program} on {url}: exit {cp.returncode}\n{out[-4000:]}\n{cp.stderr.decode(errors='replace')[-2000:]}")
    return int(plan[0][3:])


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.heavy)])
def test_storage_suite_on_both_backends(backend, request, tmp_path):
    counts = {}
    for program in PROGRAMS:
        if backend == "postgres":
            pg = request.getfixturevalue("postgres")
            url = pg.create_database(program.replace("-", "_").replace("/", "_"))
        else:
            url = f"sqlite:{tmp_path}/{program.replace('/', '_')}.db"
        counts[program] = run_tap(program, url, tmp_path)
        if backend == "postgres":
            # Every table is where PostgreSQL says it is, with 64-bit
            # integers: the migrations were translated, not skipped.
            db = url.rsplit("/", 1)[1]
            types = pg.psql("SELECT data_type FROM information_schema.columns"
                            " WHERE table_schema = 'public' AND data_type IN ('integer', 'bigint')",
                            dbname=db).split()
            assert types and set(types) == {"bigint"}, (program, types)
    assert all(n > 10 for n in counts.values()), counts
    if backend == "sqlite":
        # The SQLite runs wrote their own files, nothing else.
        assert {p.name for p in tmp_path.glob("*.db")} == {f"{p.replace('/', '_')}.db" for p in PROGRAMS}
