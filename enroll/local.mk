# SPDX-License-Identifier: Apache-2.0
# enroll/: the enrollment side of the agent, one folder per layer. Calls
# and includes point down only: ctl -> agent -> client -> tpm -> common;
# keyring/ stands beside client, below agent and ctl.

include enroll/tpm/local.mk
include enroll/client/local.mk
include enroll/agent/local.mk
include enroll/ctl/local.mk

