# SPDX-License-Identifier: Apache-2.0
# Tests: C unit tests and fuzz-corpus replays run by automake's TAP harness
# (each module's fragment below adds to TESTS), then the pytest
# integration suites, then one summary line for both.

EXTRA_DIST += tests/unit/tap.h tests/fuzz/standalone.c tests/fuzz/corpus \
	tests/integration tests/summary.py tests/pytest.ini

# Fuzz targets: a fixed-vector replay driver for `make check`, or libFuzzer
# with --enable-fuzzing (CC=clang).
if ENABLE_FUZZING
FUZZER_MAIN =
FUZZER_LINK_FLAGS = -fsanitize=fuzzer
else
FUZZER_MAIN = tests/fuzz/standalone.c
FUZZER_LINK_FLAGS =
endif

include tests/common.mk
include tests/jose.mk
include tests/crypto.mk
include tests/tpm.mk
include tests/attest-client.mk
include tests/tpm2util.mk
include tests/keyring.mk
include tests/fsd.mk
include tests/enrolld.mk
include tests/ca.mk
include tests/ca-attest.mk
include tests/ca-acme.mk
include tests/ca-sign.mk
include tests/ca-revoke.mk
include tests/ca-console.mk
include tests/posture.mk
include tests/tools.mk

# `make fuzz-smoke` in a build configured with --enable-fuzzing (CC=clang):
# every fuzz target under libFuzzer for FUZZ_SMOKE_SECONDS, at most
# FUZZ_SMOKE_RSS_MB of RSS, FUZZ_SMOKE_JOBS at a time (tests/fuzz/smoke.sh).
FUZZ_SMOKE_SECONDS = 10
FUZZ_SMOKE_RSS_MB = 512
FUZZ_SMOKE_JOBS = 2
EXTRA_DIST += tests/fuzz/smoke.sh
if ENABLE_FUZZING
fuzz-smoke:
	@targets=; for p in $(check_PROGRAMS); do \
	  case $$p in tests/fuzz/fuzz-*) targets="$$targets $$p";; esac; \
	done; \
	$(MAKE) $(AM_MAKEFLAGS) $$targets && \
	$(abs_top_srcdir)/tests/fuzz/smoke.sh '$(abs_top_srcdir)' '$(abs_top_builddir)/tests/fuzz-smoke' \
	  '$(FUZZ_SMOKE_SECONDS)' '$(FUZZ_SMOKE_RSS_MB)' '$(FUZZ_SMOKE_JOBS)' $$targets
else
fuzz-smoke:
	@echo "fuzz-smoke needs a build configured with --enable-fuzzing and CC=clang" >&2; exit 1
endif
.PHONY: fuzz-smoke

PYTEST_ARGS ?=
PYTEST_JUNIT = $(abs_top_builddir)/tests/pytest-junit.xml
CLEANFILES += $(PYTEST_JUNIT)

# pytest runs after the C tests (the dependency orders them even under -j).
check-local: check-TESTS
	@rc=0; \
	cd $(abs_top_srcdir)/tests/integration && \
	  DEVICEID_BUILDDIR='$(abs_top_builddir)' DEVICEID_SRCDIR='$(abs_top_srcdir)' \
	  PYTHONDONTWRITEBYTECODE=1 \
	  $(PYTHON3) -m pytest -c $(abs_top_srcdir)/tests/pytest.ini -p no:cacheprovider \
	    --junitxml=$(PYTEST_JUNIT) $(PYTEST_ARGS) || rc=$$?; \
	if test $$rc -eq 5; then echo "pytest: no tests collected"; rc=1; fi; \
	$(PYTHON3) $(abs_top_srcdir)/tests/summary.py $(abs_top_builddir)/test-suite.log $(PYTEST_JUNIT) || rc=1; \
	exit $$rc

clean-local:
	rm -rf $(abs_top_builddir)/tests/tmp $(abs_top_builddir)/tests/artifacts \
	  $(abs_top_builddir)/tests/fuzz-smoke
