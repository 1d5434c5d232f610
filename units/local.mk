# SPDX-License-Identifier: Apache-2.0
# units/: systemd units (their ExecStart= paths filled in from the
# configured bindir/sbindir), installed into the system unit directory
# (configure --with-systemdsystemunitdir), the sysusers.d file for the CA's
# user, and example .path units shipped as documentation.

systemdunitdir = $(systemdsystemunitdir)
nodist_systemdunit_DATA = units/deviceid-fsd.service units/deviceid-enrolld.service units/deviceid-ca.service
EXTRA_DIST += units/deviceid-fsd.service.in units/deviceid-enrolld.service.in units/deviceid-ca.service.in
CLEANFILES += $(nodist_systemdunit_DATA)

units_subst = $(MKDIR_P) units && sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sbindir[@]|$(sbindir)|g'

units/deviceid-fsd.service: $(top_srcdir)/units/deviceid-fsd.service.in Makefile
	$(AM_V_GEN)$(units_subst) $(top_srcdir)/units/deviceid-fsd.service.in > $@.tmp && mv $@.tmp $@
units/deviceid-enrolld.service: $(top_srcdir)/units/deviceid-enrolld.service.in Makefile
	$(AM_V_GEN)$(units_subst) $(top_srcdir)/units/deviceid-enrolld.service.in > $@.tmp && mv $@.tmp $@
units/deviceid-ca.service: $(top_srcdir)/units/deviceid-ca.service.in Makefile
	$(AM_V_GEN)$(units_subst) $(top_srcdir)/units/deviceid-ca.service.in > $@.tmp && mv $@.tmp $@

dist_sysusers_DATA = units/sysusers.d/deviceid.conf

exampleunitdir = $(docdir)/examples
dist_exampleunit_DATA = units/example-renewal.path units/example-renewal.service
