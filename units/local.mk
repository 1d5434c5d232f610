# SPDX-License-Identifier: Apache-2.0
# units/: systemd units, installed into the system unit directory, and
# example .path units shipped as documentation.

systemdunitdir = $(prefix)/lib/systemd/system
dist_systemdunit_DATA = units/deviceid-fsd.service units/deviceid-enrolld.service units/deviceid-ca.service

exampleunitdir = $(docdir)/examples
dist_exampleunit_DATA = units/example-renewal.path units/example-renewal.service
