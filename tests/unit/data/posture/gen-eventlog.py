#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the event log vector of tests/unit/common/test-posture.c: a TCG
crypto-agile log (TCG PC Client Platform Firmware Profile, section 10.4)
with SHA-1 and SHA-256 digests and events for PCRs 0-7; then, run by
hand, `tpm2_eventlog eventlog.bin` computes the PCR values stored in
eventlog.pcrs (its sha256 lines). With --locality, the log also has a
StartupLocality event (locality 3), which the profile says is not
extended but sets PCR 0's starting value; tpm2-tools 5.4 extends its
zero digest instead, so that log is checked against the profile's rule
in the unit test, not against tpm2_eventlog.
Usage: gen-eventlog.py OUT.bin [--locality]"""
import hashlib, struct, sys
def le32(v): return struct.pack("<I", v)
def le16(v): return struct.pack("<H", v)
algs=[(0x0004,20,hashlib.sha1),(0x000b,32,hashlib.sha256)]
spec=b"Spec ID Event03\0"+le32(0)+bytes([0,2,0,2])+le32(len(algs))+b"".join(le16(a)+le16(s) for a,s,_ in algs)+bytes([0])
out=le32(0)+le32(3)+bytes(20)+le32(len(spec))+spec
def ev(pcr,typ,data,digest_of=None):
    d=data if digest_of is None else digest_of
    body=le32(pcr)+le32(typ)+le32(len(algs))+b"".join(le16(a)+h(d).digest() for a,s,h in algs)+le32(len(data))+data
    return body
if "--locality" in sys.argv:
    out+=le32(0)+le32(3)+le32(len(algs))+b"".join(le16(a)+bytes(s) for a,s,_ in algs)+le32(17)+b"StartupLocality\0"+bytes([3])
for i in range(8):
    out+=ev(i,0x5 if i!=4 else 0xd, b"deviceid test event for PCR %d" % i)
out+=ev(7,0x4,b"\0\0\0\0")  # EV_SEPARATOR
out+=ev(4,0x4,b"\0\0\0\0")
open(sys.argv[1],"wb").write(out)
