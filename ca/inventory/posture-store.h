/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the inventory keeps of device posture (docs/posture.md): each
 * device's PCR baseline and its last posture reports, on both store
 * backends. The values are kept as the JSON of the wire (common/posture.h):
 * PCRs as {BANK: {"N": hex}}, facts as the report's "facts", checks as
 * [{"check", "passed", "detail"}].
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ca/core/store.h"
#include "json.h"

#define POSTURE_HISTORY 10 /* reports kept per device */

/* Schema (store module "posture"). */
int posture_store_migrate(store *st);

/* The device's baseline PCR values (JSON text, malloc'ed) and when they
 * were taken; -ENOENT when it has none. */
int posture_store_baseline(store *st, int64_t device_id, char **ret_pcrs, time_t *ret_at);

/* Takes pcrs as the baseline unless the device has one: 1 if taken, 0
 * if one existed (a race decides by the primary key). */
int posture_store_baseline_init(store *st, int64_t device_id, const char *pcrs, time_t now);

/* Records a report and drops all but the newest POSTURE_HISTORY of the
 * device, in one transaction. The report's TCG event log (NULL: none) is
 * stored once per device and distinct SHA-256, and dropped when no kept
 * report names it any more. */
int posture_store_report_add(store *st, int64_t device_id, time_t at, const char *account, bool passed,
                             const char *checks, const char *facts, const char *pcrs, const uint8_t *eventlog,
                             size_t eventlog_len);

/* The stored event log of the device with this SHA-256 (lowercase hex),
 * malloc'ed; -ENOENT when there is none. */
int posture_store_eventlog(store *st, int64_t device_id, const char *sha256, uint8_t **ret, size_t *ret_len);

/* The PCR values of the device's newest report become its baseline
 * (`deviceid-ca device posture accept`); -ENOENT if it has sent none. */
int posture_store_accept(store *st, int64_t device_id, time_t now);

/* {"baseline": {"pcrs", "recordedAt"} or null, "reports": [{"at",
 * "account", "passed", "checks", "facts", "pcrs", "eventlog"?: {"sha256",
 * "size", "firstSeen"}}, newest first]}. */
int posture_store_to_json(store *st, int64_t device_id, json_object **ret);
