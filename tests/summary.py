#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prints one summary of `make check`: the C unit tests (automake's
test-suite.log, counted per TAP assertion) and pytest (its JUnit XML).
Under CI=true any skipped test is a failure: CI must run everything."""
import os
import re
import sys
import xml.etree.ElementTree as ET


def unit_counts(path):
    counts = {"pass": 0, "fail": 0, "skip": 0}
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except FileNotFoundError:
        return None
    for key, names in (("pass", ("PASS", "XFAIL")), ("fail", ("FAIL", "XPASS", "ERROR")),
                       ("skip", ("SKIP",))):
        for name in names:
            m = re.search(r"^# %s: +(\d+)" % name, text, re.M)
            if m:
                counts[key] += int(m.group(1))
    return counts


def pytest_counts(path):
    try:
        root = ET.parse(path).getroot()
    except (FileNotFoundError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = fails = skips = 0
    for s in suites:
        tests += int(s.get("tests", 0))
        fails += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skips += int(s.get("skipped", 0))
    return {"pass": tests - fails - skips, "fail": fails, "skip": skips}


def pytest_failures(path, limit=20):
    """Names and first message line of failed pytest cases, so that the end
    of a CI log says which test failed even when the log is cut."""
    try:
        root = ET.parse(path).getroot()
    except (FileNotFoundError, ET.ParseError):
        return []
    out = []
    for case in root.iter("testcase"):
        for tag in ("failure", "error"):
            el = case.find(tag)
            if el is None:
                continue
            msg = (el.get("message") or "").strip().splitlines()
            out.append("%s::%s (%s) %s" % (case.get("classname", ""), case.get("name", ""),
                                           tag, msg[0][:200] if msg else ""))
    return out[:limit]


def unit_failures(path, limit=20):
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except FileNotFoundError:
        return []
    return re.findall(r"^(?:FAIL|ERROR|XPASS): .*$", text, re.M)[:limit]


def main():
    unit = unit_counts(sys.argv[1])
    integ = pytest_counts(sys.argv[2])
    rc = 0
    total = {"pass": 0, "fail": 0, "skip": 0}
    for name, c in (("unit", unit), ("integration", integ)):
        if c is None:
            print(f"{name}: no results found")
            rc = 1
            continue
        print(f"{name}: {c['pass']} passed, {c['fail']} failed, {c['skip']} skipped")
        for k in total:
            total[k] += c[k]
    if total["fail"]:
        rc = 1
        for line in unit_failures(sys.argv[1]) + pytest_failures(sys.argv[2]):
            print("failed: " + line)
    if os.environ.get("CI") == "true" and total["skip"]:
        print("CI=true: skipped tests are failures here; install what they need")
        rc = 1
    print(f"total: {total['pass']} passed, {total['fail']} failed, {total['skip']} skipped")
    return rc


if __name__ == "__main__":
    sys.exit(main())
