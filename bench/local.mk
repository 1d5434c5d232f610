# SPDX-License-Identifier: Apache-2.0
# bench/: benchmarks, never run by `make check`.
#   make bench-fsd   deviceid-fsd against tmpfs (see docs/fsd.md)
#   make bench-sign  /1.0/sign issuances per second (see docs/ca.md)
#   make bench-enrolld  deviceid-enrolld resident memory over renewals

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
EXTRA_DIST += bench/sign-bench.py bench/benchlib.py
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
