# SPDX-License-Identifier: Apache-2.0
"""Durable /1.0/sign under group commit (docs/ca.md, "Storage"): answers
201 only for what is in the database for good, a token's jti is used
once however many requests share a commit group, and a CA killed with
SIGKILL right after a batch of 201s has every answered certificate on
restart."""
import json
import os
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from cryptography import x509

from fixtures.ca import ca_init, start_ca_server
from fixtures.procs import free_port
from test_ca_sign import Device, csr_pem, make_csr

PARALLEL = 8


def sign_body(device, ott=None):
    _, csr = make_csr()
    return {"csr": csr_pem(csr), "ott": ott or device.token()}


def post(srv, body):
    status, _, data = srv.post("/1.0/sign", body)
    return status, json.loads(data)


def serials_in_db(directory):
    db = sqlite3.connect(os.path.join(directory, "ca.db"))
    try:
        return {r[0] for r in db.execute("SELECT serial FROM certificates WHERE ca = 'account'")}
    finally:
        db.close()


def serial_of(answer):
    return format(x509.load_pem_x509_certificate(answer["crt"].encode()).serial_number, "x")


def test_jti_used_once_within_a_group(tmp_path, procs):
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    srv = start_ca_server(procs, d, port)
    device = Device(srv, tmp_path)

    # The same token (one jti) many times at once, with other issuances
    # around it, so that the copies share commit groups.
    for _ in range(3):
        ott = device.token()
        bodies = [sign_body(device, ott) for _ in range(PARALLEL)] + \
                 [sign_body(device) for _ in range(PARALLEL)]
        with ThreadPoolExecutor(PARALLEL * 2) as ex:
            answers = list(ex.map(lambda b: post(srv, b), bodies))
        same = answers[:PARALLEL]
        assert [s for s, _ in same].count(201) == 1, same
        assert all(s == 401 and "already been used" in a["message"] for s, a in same if s != 201), same
        assert all(s == 201 for s, _ in answers[PARALLEL:]), answers[PARALLEL:]

    issued = {serial_of(a) for s, a in answers if s == 201}
    assert issued <= serials_in_db(d)


def test_sigkill_after_201_loses_nothing(tmp_path, procs):
    d = str(tmp_path / "ca")
    port = free_port()
    ca_init(d, port)
    srv = start_ca_server(procs, d, port)
    device = Device(srv, tmp_path)

    bodies = [sign_body(device) for _ in range(PARALLEL * 6)]
    with ThreadPoolExecutor(PARALLEL) as ex:
        answers = list(ex.map(lambda b: post(srv, b), bodies))
    # Killed the moment the last 201 arrived: nothing gets the chance to
    # flush or close anything.
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.popen.wait(10)
    assert all(s == 201 for s, _ in answers), answers
    issued = {serial_of(a) for _, a in answers}
    assert len(issued) == len(bodies)

    # The restarted CA has every one of them, and answers for them.
    srv2 = start_ca_server(procs, d, port, name="deviceid-ca-2")
    assert issued <= serials_in_db(d)
    status, body = post(srv2, sign_body(device))
    assert status == 201, body
    # A used token stays used across the restart.
    ott = device.token()
    assert post(srv2, sign_body(device, ott))[0] == 201
    srv2.stop()
    srv3 = start_ca_server(procs, d, port, name="deviceid-ca-3")
    status, body = post(srv3, sign_body(device, ott))
    assert status == 401 and "already been used" in body["message"], body
