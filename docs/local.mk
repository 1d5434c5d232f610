# SPDX-License-Identifier: Apache-2.0
# docs/: rules for this folder (see the top-level Makefile.am).
