# SPDX-License-Identifier: Apache-2.0
# keyring/: the kernel-keyring agent.
KEYRING_LIBS =
