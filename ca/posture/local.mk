# SPDX-License-Identifier: Apache-2.0
# ca/posture/: posture policies and the posture check of /1.0/sign (see
# ca/posture/README.md).

noinst_LIBRARIES += ca/posture/libcaposture.a
ca_posture_libcaposture_a_SOURCES = \
	ca/posture/posture-policy.c ca/posture/posture-policy.h \
	ca/posture/posture-check.c ca/posture/posture-check.h
ca_posture_libcaposture_a_CFLAGS = $(CA_CORE_CFLAGS) $(TSS2_CFLAGS)
CA_POSTURE_LIBS = ca/posture/libcaposture.a $(TPM2UTIL_LIBS) $(CA_INVENTORY_LIBS)
EXTRA_DIST += ca/posture/README.md docs/posture.md
