# SPDX-License-Identifier: Apache-2.0
# bench/: rules for this folder (see the top-level Makefile.am).
