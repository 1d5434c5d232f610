# SPDX-License-Identifier: Apache-2.0
# ACME benchmark (owned by the ACME part), never run by `make check`:
#   make bench-acme   time per order vs pebble, orders/s with N clients
# (BENCH_ACME_ARGS="--orders 50 --clients 1,4,8,16" to change the run).

EXTRA_DIST += bench/acme-bench.py

BENCH_ACME_ARGS ?=
bench-acme: ca/deviceid-ca$(EXEEXT)
	$(PYTHON3) $(abs_top_srcdir)/bench/acme-bench.py --builddir '$(abs_top_builddir)' $(BENCH_ACME_ARGS)
.PHONY: bench-acme
