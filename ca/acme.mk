# SPDX-License-Identifier: Apache-2.0
# ACME server sources (owned by the ACME part); sets CA_ACME_SOURCES.
