# SPDX-License-Identifier: Apache-2.0
# docs/: rules for this folder (see the top-level Makefile.am).

# Example configuration files, installed next to the example units.
exampleconfdir = $(docdir)/examples
dist_exampleconf_DATA = docs/examples/fsd.conf docs/examples/enrolld.conf
