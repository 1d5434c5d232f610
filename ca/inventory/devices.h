/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device inventory: which TPMs (by Endorsement Key) may enroll. A
 * device is keyed by its EK URI (urn:ek:sha256:<std base64 of SHA-256 of
 * the EK's DER SubjectPublicKeyInfo>, protocols.md section 0) and may carry
 * the EK public key, the EK certificate and free metadata. Disabling or
 * removing a device revokes every certificate issued to it, in the same
 * transaction.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ca/core/store.h"
#include "crypto.h"
#include "json.h"

#define DEVICE_FIELD_MAX 256 /* name, serial, owner: bytes */
#define DEVICE_TAG_MAX 32    /* bytes of one tag */
#define DEVICE_TAGS_MAX 16   /* tags of one device */
#define EK_URI_PREFIX "urn:ek:sha256:"

typedef enum device_status {
        DEVICE_ACTIVE,
        DEVICE_DISABLED,
} device_status;

/* The verdict of a device's newest posture report (posture-store.h), as
 * devices_search() reads it; UNKNOWN where it was not read. */
typedef enum device_posture {
        DEVICE_POSTURE_UNKNOWN,
        DEVICE_POSTURE_NONE, /* no report */
        DEVICE_POSTURE_PASS,
        DEVICE_POSTURE_FAIL,
} device_posture;

typedef struct device {
        int64_t id;
        char *ek_uri;
        uint8_t *ek_pub;     /* DER SPKI or NULL */
        size_t ek_pub_len;
        uint8_t *ek_cert;    /* DER or NULL */
        size_t ek_cert_len;
        char *name, *serial, *owner; /* NULL if unset */
        char *tags;                  /* ",a,b," (device_tags_parse()) or NULL */
        device_status status;
        time_t created_at, updated_at;
        device_posture posture; /* set by devices_search() only */
} device;

void device_done(device *d);

/* The EK URI of a public key given as DER SPKI (pure). */
int ek_uri_from_spki(const uint8_t *der, size_t len, char **ret);
/* Checks the URI's shape: the prefix, then exactly 44 characters of
 * standard base64 that decode to 32 bytes. 0 or -EINVAL. */
int ek_uri_validate(const char *uri);

/* What a new device is made of: exactly one of ek_uri, ek_pub_pem/der,
 * ek_cert (PEM or DER) identifies it; the others are derived. */
typedef struct device_spec {
        const char *ek_uri;
        const uint8_t *ek_pub;    /* PEM or DER SPKI */
        size_t ek_pub_len;
        const uint8_t *ek_cert;   /* PEM or DER */
        size_t ek_cert_len;
        const char *name, *serial, *owner;
        const char *tags; /* text for device_tags_parse(), or NULL */
} device_spec;

/* Resolves a spec into a device (no store access): computes the EK URI,
 * validates the fields. Returns 0 or -EINVAL with a static reason in
 * *ret_why (if not NULL). */
int device_from_spec(const device_spec *spec, device *ret, const char **ret_why);

/* Tags group devices (a site, a team, a model): each 1 to DEVICE_TAG_MAX
 * bytes of a-z, 0-9, '.', '_', '-' (upper case is folded), at most
 * DEVICE_TAGS_MAX per device. Parses text holding tags separated by
 * commas, semicolons or white space into the stored form: sorted, without
 * duplicates, each followed and the first preceded by a comma (",a,b,":
 * a device has tag t when its tags contain ",t,"); *ret is NULL when the
 * text holds no tag. Pure. 0, -EINVAL with a static reason in *ret_why, or -ENOMEM. */
int device_tags_parse(const char *text, char **ret, const char **ret_why);
/* Tags as JSON gives them, a string or an array of at most DEVICE_TAGS_MAX
 * strings of one tag each, as text for device_tags_parse() (malloc'ed). Pure. 0, -EINVAL
 * for any other shape, or -ENOMEM. */
int device_tags_from_json(json_object *v, char **ret_text);

/* Schema of the devices table (store module "inventory"). */
int devices_store_migrate(store *st);

/* Adds; -EEXIST if the EK URI is already known. Sets d->id and the times. */
int devices_add(store *st, device *d);
/* Lookup by numeric id or by EK URI; -ENOENT if not found. */
int devices_get(store *st, int64_t id, device *ret);
int devices_get_by_ek_uri(store *st, const char *ek_uri, device *ret);
/* Every device ordered by id; *ret_n entries in *ret (free each with device_done, then free()). */
int devices_list(store *st, device **ret, size_t *ret_n);
/* A page of the inventory: devices whose name, serial, owner or EK URI
 * contains q (case-insensitive; NULL: all) with the given status (-1:
 * any), tag (NULL: any) and verdict of the newest posture report
 * (UNKNOWN: any), each with that verdict, ordered by id, limit of them (at most DEVICE_LIST_MAX; 0: count
 * only) from offset. *ret_total is the number of matches. Returns 0,
 * -EINVAL for a bad query, or -errno. */
#define DEVICE_LIST_MAX 500
typedef struct device_query {
        const char *q;
        int status;
        const char *tag;
        device_posture posture;
        size_t limit, offset;
} device_query;
int devices_search(store *st, const device_query *q, device **ret, size_t *ret_n, size_t *ret_total);
/* Inside a transaction: orders it with every other transaction about the
 * device of that id, across CA instances (store_lock "device:ID"). A
 * transaction that issues for a device takes it shared and then checks
 * that the device is active; one that disables or removes it takes it
 * exclusive (devices_set_status and devices_remove do). So a certificate
 * issued while a device is being disabled is either refused or revoked
 * with the others. 0 or -errno. */
int devices_lock(store *st, int64_t id, bool exclusive);
/* Sets the status; disabling revokes the device's certificates (reason 5,
 * cessationOfOperation). -ENOENT if not found. Returns the number of
 * certificates revoked. */
int devices_set_status(store *st, int64_t id, device_status status);
/* Replaces the tags with tags (stored form from device_tags_parse(), or
 * NULL for none). -ENOENT if not found. */
int devices_set_tags(store *st, int64_t id, const char *tags);
/* Removes and revokes; -ENOENT if not found. Returns the number revoked. */
int devices_remove(store *st, int64_t id);

/* JSON representation (admin API, `device list --json`). */
int device_to_json(const device *d, json_object **ret);
const char *device_status_to_string(device_status s);
/* "none", "pass", "fail" (NULL for UNKNOWN), and back (UNKNOWN for any other text). */
const char *device_posture_to_string(device_posture p);
device_posture device_posture_from_string(const char *s);
