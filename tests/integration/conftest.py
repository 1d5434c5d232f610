# SPDX-License-Identifier: Apache-2.0
"""pytest configuration shared by every integration suite.

Fixtures live in fixtures/*.py, one module per part, registered here as
plugins so that any test can use any of them."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

pytest_plugins = [
    "fixtures.procs",
    "fixtures.swtpm",
    "fixtures.tpm",
    "fixtures.ca",
    "fixtures.keyring",
    "fixtures.fsd",
    "fixtures.heavy",
    "fixtures.freeradius",
    "fixtures.nginx",
    "fixtures.ocsp",
    "fixtures.stepca",
    "fixtures.postgres",
    "fixtures.fleet",
    "fixtures.nspawn",
    "fixtures.issued",
    "fixtures.browser",
]
