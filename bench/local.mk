# SPDX-License-Identifier: Apache-2.0
# bench/: benchmarks, never run by `make check`.
#   make bench-fsd   deviceid-fsd against tmpfs (see docs/fsd.md)
#   make bench-sign  /1.0/sign issuances per second (see docs/ca.md)
#   make bench-enrolld  deviceid-enrolld resident memory over renewals
#   make bench-ocsp  OCSP answers per second vs openssl ocsp, CRL of 100,000 (docs/revocation.md)
#   make bench-posture  the server CPU a posture check adds to /1.0/sign (docs/posture.md)

EXTRA_PROGRAMS = bench/fsd-bench
bench_fsd_bench_SOURCES = bench/fsd-bench.c
bench_fsd_bench_CFLAGS = $(AM_CFLAGS) -pthread
bench_fsd_bench_LDADD = -lpthread
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/fsd_bench.py

BENCH_FSD_ARGS ?=
bench-fsd: bench/fsd-bench$(EXEEXT) fsd/deviceid-fsd$(EXEEXT) enroll/deviceidctl$(EXEEXT)
	$(PYTHON3) $(abs_top_srcdir)/bench/fsd_bench.py --builddir '$(abs_top_builddir)' $(BENCH_FSD_ARGS)
.PHONY: bench-fsd

# Other parts' benchmarks keep their rules in their own fragments.
include bench/acme.mk

# Account CA: /1.0/sign issuances per second (see docs/ca.md).
EXTRA_DIST += bench/sign-bench.py bench/sign-wrk.lua bench/benchlib.py
BENCH_SIGN_ARGS ?=
bench-sign: ca/deviceid-ca$(EXEEXT) tests/tools/ca-issue$(EXEEXT)
	$(PYTHON3) $(abs_top_srcdir)/bench/sign-bench.py --builddir '$(abs_top_builddir)' $(BENCH_SIGN_ARGS)
.PHONY: bench-sign

# deviceid-enrolld's resident memory over renewals (see deviceid-enrolld(8)).
EXTRA_DIST += bench/enrolld-mem.py
BENCH_ENROLLD_ARGS ?=
bench-enrolld: enroll/deviceid-enrolld$(EXEEXT) enroll/deviceidctl$(EXEEXT) ca/deviceid-ca$(EXEEXT) \
		fsd/deviceid-fsd$(EXEEXT)
	$(PYTHON3) $(abs_top_srcdir)/bench/enrolld-mem.py --builddir '$(abs_top_builddir)' $(BENCH_ENROLLD_ARGS)
.PHONY: bench-enrolld

# CRLs and OCSP (see docs/revocation.md): OCSP answers per second, cached
# and freshly signed, against `openssl ocsp -index` serving the same CA;
# CRL size and signing time with 100,000 revoked serials.
EXTRA_PROGRAMS += bench/crl-bench
bench_crl_bench_SOURCES = bench/crl-bench.c
bench_crl_bench_CFLAGS = $(CA_CORE_CFLAGS)
bench_crl_bench_LDADD = $(CA_REVOKE_LIBS)
EXTRA_DIST += bench/ocsp-bench.py
BENCH_OCSP_ARGS ?=
bench-ocsp: ca/deviceid-ca$(EXEEXT) tests/tools/ca-issue$(EXEEXT) bench/crl-bench$(EXEEXT)
	$(PYTHON3) $(abs_top_srcdir)/bench/ocsp-bench.py --builddir '$(abs_top_builddir)' $(BENCH_OCSP_ARGS)
.PHONY: bench-ocsp

# Device posture (see docs/posture.md): the server CPU a posture check
# adds to one /1.0/sign issuance, against issuance without it.
EXTRA_DIST += bench/posture-bench.py
BENCH_POSTURE_ARGS ?=
bench-posture: ca/deviceid-ca$(EXEEXT) tests/tools/ca-issue$(EXEEXT)
	$(PYTHON3) $(abs_top_srcdir)/bench/posture-bench.py --builddir '$(abs_top_builddir)' $(BENCH_POSTURE_ARGS)
.PHONY: bench-posture
