# SPDX-License-Identifier: Apache-2.0
# ca/console/: the web console of deviceid-ca (sign-in, sessions, the
# admin API's caller check, its static files) and ca/ui/, the console's
# HTML, CSS and JavaScript, installed as they are into $(uidir).
# Included by ca/local.mk, which links these into libca.a and deviceid-ca.

CA_CONSOLE_LIB_SOURCES = \
	ca/console/cookie.c ca/console/cookie.h \
	ca/console/ratelimit.c ca/console/ratelimit.h \
	ca/console/session.c ca/console/session.h \
	ca/console/admin-auth.c ca/console/admin-auth.h \
	ca/console/files.c ca/console/files.h \
	ca/audit.c ca/audit.h \
	ca/certificates.c ca/certificates.h \
	ca/query.c ca/query.h

CA_CONSOLE_SOURCES = \
	ca/console/console-api.c ca/console/console-api.h \
	ca/console/admin-cli.c \
	ca/cert-api.c ca/cert-api.h \
	ca/audit-cli.c

CA_CONSOLE_CPPFLAGS = -I$(top_srcdir)/ca -I$(top_srcdir)/ca/console -DCA_UI_DIR='"$(uidir)"'

uidir = $(pkgdatadir)/ui
dist_ui_DATA = \
	ca/ui/index.html \
	ca/ui/login.html \
	ca/ui/console.css \
	ca/ui/favicon.svg \
	ca/ui/app.js \
	ca/ui/api.js \
	ca/ui/dom.js \
	ca/ui/login.js \
	ca/ui/page-overview.js \
	ca/ui/page-devices.js \
	ca/ui/page-device.js \
	ca/ui/page-certificates.js \
	ca/ui/page-audit.js \
	ca/ui/page-accounts.js

EXTRA_DIST += docs/console.md
