# SPDX-License-Identifier: Apache-2.0
# ca/inventory/: the device inventory (see ca/inventory/README.md).

noinst_LIBRARIES += ca/inventory/libcainventory.a
ca_inventory_libcainventory_a_SOURCES = \
	ca/inventory/devices.c ca/inventory/devices.h \
	ca/inventory/import.c ca/inventory/import.h \
	ca/inventory/admin-api.c ca/inventory/admin-api.h \
	ca/inventory/inventory.c ca/inventory/inventory.h \
	ca/inventory/device-cli.c ca/inventory/device-cli.h \
	ca/inventory/account-template.c ca/inventory/account-template.h \
	ca/inventory/accounts.c ca/inventory/accounts.h \
	ca/inventory/posture-store.c ca/inventory/posture-store.h \
	ca/inventory/accounts-api.c ca/inventory/accounts-api.h \
	ca/inventory/account-cli.c ca/inventory/account-cli.h
ca_inventory_libcainventory_a_CFLAGS = $(CA_CORE_CFLAGS)
CA_INVENTORY_LIBS = ca/inventory/libcainventory.a $(CA_AUTH_LIBS)
EXTRA_DIST += ca/inventory/README.md
