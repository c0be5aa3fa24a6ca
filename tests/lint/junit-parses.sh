#!/bin/bash
# --format junit is well-formed XML (python's xml.etree parses it, also with names that are
# not UTF-8 or contain XML metacharacters): one <testsuite> per image, one <testcase> per
# enabled rule in it, failures for rules with findings at or above the threshold only.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
printf 'x\n' >"$t/src/$(printf '<a&b>"\xff\x01')"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/plain.erofs" "$t/src"
cp "$t/fp.erofs" "$t/bad.erofs"
forge flip-fp "$t/bad.erofs" "/$(printf '<a&b>"\xff\x01')" 30
mk "$t/blob.erofs" "$t/src" --blobdev="$t/blob.img" --chunksize=4096 --xattr-inode-digest

expect_exit 1 es lint --format junit -o "$t/report.xml" "$t/bad.erofs" "$t/plain.erofs" "$t/blob.erofs" "$t/fp.erofs"
es lint --list-rules --format json >"$t/rules.json"
"$PYTHON3" - "$t/report.xml" "$t/rules.json" "$t" <<'PY' || fail "JUnit XML is wrong"
import json, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
enabled = [r["id"] for r in json.load(open(sys.argv[2])) if r["enabled_by_default"]]
t = sys.argv[3]
assert root.tag == "testsuites", root.tag
suites = {s.get("name"): s for s in root.findall("testsuite")}
assert list(suites) == [f"{t}/{n}.erofs" for n in ("bad", "plain", "blob", "fp")], list(suites)
total = failures = 0
for name, s in suites.items():
    cases = s.findall("testcase")
    assert [c.get("name") for c in cases] == enabled, (name, [c.get("name") for c in cases])
    assert int(s.get("tests")) == len(cases)
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert int(s.get("failures")) == len(failed)
    total += len(cases)
    failures += len(failed)
    if name.endswith("bad.erofs"):
        assert failed == ["fingerprint-mismatch"], failed
        text = s.find("testcase[@name='fingerprint-mismatch']/failure").text
        assert "<a&b>" in text, text
    if name.endswith("plain.erofs"):
        assert failed == ["fingerprints-absent"], failed
    if name.endswith("blob.erofs"):
        assert failed == [], failed   # info is below the default threshold ...
        out = s.find("testcase[@name='fingerprint-unverified']/system-out")
        assert out is not None and "cannot be verified" in out.text   # ... but still reported
    if name.endswith("fp.erofs") and not name.endswith("bad.erofs"):
        assert failed == [], failed
assert int(root.get("tests")) == total and int(root.get("failures")) == failures
PY

# An unreadable input is an erroring test case, and the XML still parses.
rc=0
es lint --format junit "$t/fp.erofs" "$t/nope.erofs" >"$t/missing.xml" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "exit $rc"
"$PYTHON3" -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.get("errors") == "1" and r.find("testsuite/testcase/error") is not None' "$t/missing.xml" ||
  fail "unreadable input not reported in JUnit"
pass
