/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the CA's pure inventory helpers: the CSV reader, the
 * JSON/CSV import parsers with their record-numbered errors, EK URI
 * derivation (vector computed independently with `openssl pkey -outform
 * DER | openssl dgst -sha256 -binary | base64`), device specs and tags.
 */
#include "ca/inventory/devices.h"
#include "ca/inventory/import.h"
#include "tests/unit/tap.h"

static const char ek_pub_pem[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvLGWKp7aKXUvdiUQein32vzvZLCV\n"
        "HbXLPAbkrAHTCiCYmqEkYHhDn4NVo0NX+gZO2kyJYqaJnUgSKLaNndN+6g==\n"
        "-----END PUBLIC KEY-----\n";
static const char ek_pub_b64[] =
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEvLGWKp7aKXUvdiUQein32vzvZLCV"
        "HbXLPAbkrAHTCiCYmqEkYHhDn4NVo0NX+gZO2kyJYqaJnUgSKLaNndN+6g==";
static const char ek_uri_want[] = "urn:ek:sha256:NHgvkZPoFoagjgrFb2a02qAEhp4o9tvWaZu/hkmE2WA=";

static void test_csv(void) {
        _cleanup_(csv_table_freep) csv_table *t = NULL;
        size_t line = 0;
        const char in[] = "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\n\n\"multi\nline\",2,3";

        is_ok(csv_parse(in, sizeof(in) - 1, &t, &line), "csv: parses quoted, CRLF, blank line, no final newline");
        if (!t)
                return;
        is_int(t->n, 3, "csv: three rows (blank skipped)");
        is_int(t->rows[0].n, 3, "csv: header has 3 fields");
        is_str(t->rows[1].fields[0], "x,1", "csv: comma inside quotes");
        is_str(t->rows[1].fields[1], "say \"hi\"", "csv: doubled quotes");
        is_str(t->rows[1].fields[2], "", "csv: empty last field");
        is_int(t->rows[1].line, 2, "csv: row 2 starts on line 2");
        is_str(t->rows[2].fields[0], "multi\nline", "csv: newline inside quotes");
        is_int(t->rows[2].line, 4, "csv: row after the blank line 3 starts on line 4");

        csv_table_free(TAKE_PTR(t));
        is_err(csv_parse("a,\"b\n", 5, &t, &line), -EINVAL, "csv: unterminated quote refused");
        is_err(csv_parse("a,b\"c\n", 6, &t, &line), -EINVAL, "csv: quote inside unquoted field refused");
        is_err(csv_parse("a,\"b\"c\n", 7, &t, &line), -EINVAL, "csv: text after closing quote refused");
        is_err(csv_parse("a\nb\0c\n", 6, &t, &line), -EINVAL, "csv: NUL refused");
        is_int(line, 2, "csv: error line reported");
        is_err(csv_parse("a\rb\n", 4, &t, &line), -EINVAL, "csv: bare CR refused");
}

static void test_import_csv(void) {
        _cleanup_(import_list_freep) import_list *l = NULL;
        _cleanup_free_ char *err = NULL;
        char buf[1024];

        snprintf(buf, sizeof(buf), "\xef\xbb\xbfName,EK_URI,serial\nlaptop-1,%s,SN1\nlaptop-2,%s,\n", ek_uri_want,
                 "urn:ek:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        is_ok(import_parse(buf, strlen(buf), IMPORT_AUTO, &l, &err), "import csv: BOM, case-insensitive header");
        if (l) {
                is_int(l->n, 2, "import csv: two records");
                is_str(l->records[0].name, "laptop-1", "import csv: name");
                is_str(l->records[0].serial, "SN1", "import csv: serial");
                ok(l->records[1].serial == NULL, "import csv: empty field is absent");
                is_int(l->records[1].line, 3, "import csv: line of record 2");
        }
        import_list_free(TAKE_PTR(l));

        snprintf(buf, sizeof(buf), "ek_uri,colour\n%s,blue\n", ek_uri_want);
        is_err(import_parse(buf, strlen(buf), IMPORT_CSV, &l, &err), -EINVAL, "import csv: unknown column refused");
        ok(err && strstr(err, "colour"), "import csv: error names the column");
        free(TAKE_PTR(err));

        snprintf(buf, sizeof(buf), "ek_uri,name\n%s,a\n%s\n", ek_uri_want, ek_uri_want);
        is_err(import_parse(buf, strlen(buf), IMPORT_CSV, &l, &err), -EINVAL, "import csv: short row refused");
        ok(err && strstr(err, "record 2 (line 3)"), "import csv: error names record and line");
        free(TAKE_PTR(err));

        is_err(import_parse("", 0, IMPORT_CSV, &l, &err), -EINVAL, "import csv: empty file refused");
        free(TAKE_PTR(err));
}

static void test_import_json(void) {
        _cleanup_(import_list_freep) import_list *l = NULL;
        _cleanup_free_ char *err = NULL;
        device *v = NULL;
        size_t n = 0;
        char buf[2048];

        snprintf(buf, sizeof(buf), " [{\"ek_uri\":\"%s\",\"name\":\"a\",\"owner\":null},{\"ek_pub\":\"%s\"}]",
                 "urn:ek:sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", ek_pub_b64);
        is_ok(import_parse(buf, strlen(buf), IMPORT_AUTO, &l, &err), "import json: array of objects");
        if (!l)
                return;
        is_int(l->n, 2, "import json: two records");
        ok(l->records[0].owner == NULL, "import json: null is absent");
        is_ok(import_to_devices(l, &v, &n, &err), "import json: records become devices");
        if (v) {
                is_int(n, 2, "import json: two devices");
                is_str(v[1].ek_uri, ek_uri_want, "import json: EK URI derived from base64 DER ek_pub");
                for (size_t i = 0; i < n; i++)
                        device_done(&v[i]);
                free(v);
        }
        import_list_free(TAKE_PTR(l));

        is_err(import_parse("[{\"ek_uri\":1}]", 14, IMPORT_JSON, &l, &err), -EINVAL, "import json: non-string refused");
        free(TAKE_PTR(err));
        is_err(import_parse("[{\"ek_uri\":\"x\"", 14, IMPORT_JSON, &l, &err), -EINVAL, "import json: malformed refused");
        free(TAKE_PTR(err));
        is_err(import_parse("{\"ek_uri\":\"x\"}", 14, IMPORT_JSON, &l, &err), -EINVAL, "import json: object top level refused");
        free(TAKE_PTR(err));
        is_err(import_parse("[{\"ek\":\"x\"}]", 12, IMPORT_JSON, &l, &err), -EINVAL, "import json: unknown field refused");
        ok(err && strstr(err, "record 1"), "import json: error names the record");
        free(TAKE_PTR(err));

        /* Parses, but record 2's URI is malformed: conversion names it. */
        snprintf(buf, sizeof(buf), "[{\"ek_uri\":\"%s\"},{\"ek_uri\":\"urn:ek:sha256:short\"}]", ek_uri_want);
        is_ok(import_parse(buf, strlen(buf), IMPORT_JSON, &l, &err), "import json: bad URI parses");
        if (l) {
                is_err(import_to_devices(l, &v, &n, &err), -EINVAL, "import json: bad URI refused at conversion");
                ok(err && strstr(err, "record 2"), "import json: conversion error names record 2");
        }
}

static void test_ek_uri(void) {
        _cleanup_free_ char *uri = NULL;
        _cleanup_(device_done) device d = {};
        const char *why = NULL;
        uint8_t zero[4] = {};

        device_spec spec = { .ek_pub = (const uint8_t *) ek_pub_pem, .ek_pub_len = strlen(ek_pub_pem),
                             .name = "laptop" };
        is_ok(device_from_spec(&spec, &d, &why), "ek: device from PEM public key");
        is_str(d.ek_uri, ek_uri_want, "ek: URI matches the openssl-computed vector");
        is_int(d.ek_pub_len, 91, "ek: DER SPKI kept");
        is_ok(ek_uri_from_spki(d.ek_pub, d.ek_pub_len, &uri), "ek: ek_uri_from_spki");
        is_str(uri, ek_uri_want, "ek: same URI from DER");

        is_ok(ek_uri_validate(ek_uri_want), "ek: valid URI accepted");
        is_err(ek_uri_validate("urn:ek:sha256:NHgvkZPoFoagjgrFb2a02qAEhp4o9tvWaZu_hkmE2WA="), -EINVAL,
               "ek: base64url alphabet refused");
        is_err(ek_uri_validate("urn:ek:sha1:NHgvkZPoFoagjgrFb2a02qAEhp4o9tvWaZu/hkmE2WA="), -EINVAL,
               "ek: wrong prefix refused");
        is_err(ek_uri_validate("urn:ek:sha256:NHgvkZPoFoagjgrFb2a02qAEhp4o9tvWaZu/hkmE2WA"), -EINVAL,
               "ek: missing padding refused");

        device_spec two = { .ek_uri = ek_uri_want, .ek_pub = (const uint8_t *) ek_pub_pem,
                            .ek_pub_len = strlen(ek_pub_pem) };
        device_done(&d);
        is_err(device_from_spec(&two, &d, &why), -EINVAL, "spec: two identifiers refused");
        device_spec garbage = { .ek_pub = zero, .ek_pub_len = sizeof(zero) };
        is_err(device_from_spec(&garbage, &d, &why), -EINVAL, "spec: garbage key refused");
        device_spec ctl = { .ek_uri = ek_uri_want, .name = "bad\nname" };
        is_err(device_from_spec(&ctl, &d, &why), -EINVAL, "spec: control character in name refused");
}

static void test_tags(void) {
        _cleanup_(import_list_freep) import_list *l = NULL;
        _cleanup_(device_done) device d = {};
        _cleanup_json_ json_object *arr = NULL, *num = NULL;
        _cleanup_free_ char *error = NULL;
        const char *why = NULL;
        char *t = NULL, many[200] = "";

        is_ok(device_tags_parse(" Lab,site-a;lab\tb.2_x ", &t, &why), "tags: separators, case folded, duplicate");
        is_str(t, ",b.2_x,lab,site-a,", "tags: sorted stored form, one of each");
        free(t);
        t = (char *) "unset";
        is_ok(device_tags_parse(" ,; ", &t, &why), "tags: only separators");
        ok(t == NULL, "tags: no tag is NULL");
        is_ok(device_tags_parse(NULL, &t, &why), "tags: NULL text");
        is_err(device_tags_parse("ok bad!", &t, &why), -EINVAL, "tags: '!' refused");
        is_err(device_tags_parse("<img>", &t, &why), -EINVAL, "tags: markup refused");
        is_err(device_tags_parse("abcdefghijklmnopqrstuvwxyz0123456", &t, &why), -EINVAL, "tags: 33 bytes refused");
        is_ok(device_tags_parse("abcdefghijklmnopqrstuvwxyz012345", &t, &why), "tags: 32 bytes accepted");
        free(t);
        for (int i = 0; i < 16; i++)
                snprintf(many + strlen(many), sizeof(many) - strlen(many), "t%d t%d ", i, i);
        is_ok(device_tags_parse(many, &t, &why), "tags: 16 tags, each twice");
        free(t);
        strcat(many, "t16");
        is_err(device_tags_parse(many, &t, &why), -EINVAL, "tags: a 17th refused");

        arr = json_tokener_parse("[\"a\", \"B\"]");
        is_ok(device_tags_from_json(arr, &t), "tags json: array of strings");
        is_str(t, "a B ", "tags json: joined for the parser");
        free(t);
        json_object_put(arr);
        arr = json_tokener_parse("[\"a\", 1]");
        is_err(device_tags_from_json(arr, &t), -EINVAL, "tags json: a number in the array refused");
        json_object_put(arr);
        arr = json_tokener_parse("[\"a b\"]");
        is_err(device_tags_from_json(arr, &t), -EINVAL, "tags json: two tags in one element refused");
        num = json_object_new_int(3);
        is_err(device_tags_from_json(num, &t), -EINVAL, "tags json: a number refused");

        static const char csv[] = "ek_uri,tags\n" "urn:ek:sha256:NHgvkZPoFoagjgrFb2a02qAEhp4o9tvWaZu/hkmE2WA=,\"x,y\"\n";
        is_ok(import_parse(csv, sizeof(csv) - 1, IMPORT_CSV, &l, &error), "tags: CSV column parsed");
        is_str(l ? l->records[0].tags : NULL, "x,y", "tags: CSV field kept");
        device *v = NULL;
        size_t n = 0;
        is_ok(import_to_devices(l, &v, &n, &error), "tags: record becomes a device");
        is_str(n == 1 ? v[0].tags : NULL, ",x,y,", "tags: device holds the stored form");
        for (size_t i = 0; i < n; i++)
                device_done(&v[i]);
        free(v);
        import_list_free(TAKE_PTR(l));
        static const char bad[] = "[{\"ek_uri\": \"urn:ek:sha256:NHgvkZPoFoagjgrFb2a02qAEhp4o9tvWaZu/hkmE2WA=\","
                                  " \"tags\": [\"ok\", \"not ok\"]}]";
        is_err(import_parse(bad, sizeof(bad) - 1, IMPORT_JSON, &l, &error), -EINVAL,
               "tags: a JSON array element holding two tags refused");
        ok(error && strstr(error, "record 1"), "tags: the error names the record");
}

int main(void) {
        test_csv();
        test_import_csv();
        test_import_json();
        test_ek_uri();
        test_tags();
        return tap_done();
}
