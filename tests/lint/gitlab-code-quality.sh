#!/bin/bash
# --format gitlab: a GitLab Code Quality report. Validated against a JSON schema written here
# from GitLab's documented fields ("Code Quality report format": a JSON array of objects with
# description, check_name, fingerprint, severity one of info/minor/major/critical/blocker,
# location.path and location.lines.begin or location.positions.begin.line), for a clean run,
# findings of every severity over several images, accepted findings (left out) and an input
# that cannot be read (a blocker). Fingerprints are unique and the same in a second run;
# severities follow the policy; paths are relative to the current directory.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/plain.erofs" "$t/src"
cp "$t/fp.erofs" "$t/bad.erofs"
forge flip-fp "$t/bad.erofs" /d 30
forge flip-fp "$t/bad.erofs" /c 30
echo '{"accepted": [{"rule": "fingerprints-absent", "reason": "legacy image"}]}' >"$t/baseline.json"

cat >"$t/schema.json" <<'JSON'
{"$schema": "http://json-schema.org/draft-07/schema#",
 "type": "array",
 "items": {
   "type": "object",
   "required": ["description", "check_name", "fingerprint", "severity", "location"],
   "properties": {
     "description": {"type": "string", "minLength": 1},
     "check_name": {"type": "string", "minLength": 1},
     "fingerprint": {"type": "string", "minLength": 1},
     "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
     "location": {
       "type": "object",
       "required": ["path"],
       "properties": {
         "path": {"type": "string", "minLength": 1},
         "lines": {"type": "object", "required": ["begin"],
                   "properties": {"begin": {"type": "integer", "minimum": 1}}},
         "positions": {"type": "object", "required": ["begin"],
                       "properties": {"begin": {"type": "object", "required": ["line"],
                                                "properties": {"line": {"type": "integer", "minimum": 1}}}}}
       },
       "anyOf": [{"required": ["lines"]}, {"required": ["positions"]}]
     }
   }
 }}
JSON

(cd "$t" && "$EROFS_SHARE" lint --format gitlab -o clean.gl fp.erofs) || fail "clean run failed"
rc=0
(cd "$t" && "$EROFS_SHARE" lint --format gitlab -o bad.gl bad.erofs plain.erofs ./fp.erofs) || rc=$?
[ "$rc" -eq 1 ] || fail "lint of forged images exited $rc, expected 1"
(cd "$t" && "$EROFS_SHARE" lint --format gitlab -o bad2.gl bad.erofs plain.erofs ./fp.erofs) || true
cmp "$t/bad.gl" "$t/bad2.gl" || fail "two runs give different reports"
expect_exit 0 es lint --format gitlab --baseline "$t/baseline.json" --show-suppressed -o "$t/accepted.gl" "$t/plain.erofs"
rc=0
(cd "$t" && "$EROFS_SHARE" lint --format gitlab -o failed.gl fp.erofs missing.erofs 2>/dev/null) || rc=$?
[ "$rc" -eq 2 ] || fail "an unreadable input exited $rc, expected 2"
lint_json "$t/bad.json" "$t/bad.erofs" "$t/plain.erofs" "$t/fp.erofs"

"$PYTHON3" - "$t" <<'PY' || fail "the GitLab Code Quality report is wrong"
import json, sys, jsonschema
t = sys.argv[1]
schema = json.load(open(f"{t}/schema.json"))
v = jsonschema.Draft7Validator(schema)
# The schema must be able to fail.
assert not v.is_valid([{"description": "x", "check_name": "r", "fingerprint": "f", "severity": "error",
                        "location": {"path": "a", "lines": {"begin": 1}}}])
assert not v.is_valid([{"description": "x", "check_name": "r", "fingerprint": "f", "severity": "minor",
                        "location": {"path": "a"}}])
docs = {n: json.load(open(f"{t}/{n}.gl")) for n in ("clean", "bad", "accepted", "failed")}
for n, d in docs.items():
    v.validate(d)
assert docs["clean"] == [], docs["clean"]
assert docs["accepted"] == [], docs["accepted"]
bad = docs["bad"]
fps = [i["fingerprint"] for i in bad]
assert len(set(fps)) == len(fps), "fingerprints are not unique"
# One issue per finding, with the policy's severity mapped: error critical, warning minor, info info.
findings = json.load(open(f"{t}/bad.json"))["findings"]
assert len(bad) == len(findings), (len(bad), len(findings))
want = {"error": "critical", "warning": "minor", "info": "info"}
pairs = sorted((f["rule"], want[f["severity"]]) for f in findings)
assert sorted((i["check_name"], i["severity"]) for i in bad) == pairs, bad
assert ("fingerprint-mismatch", "critical") in pairs and ("fingerprints-absent", "minor") in pairs, pairs
assert {i["location"]["path"] for i in bad} == {"bad.erofs", "plain.erofs"}, bad
assert all(i["location"]["lines"]["begin"] == 1 for i in bad)
mismatch = [i for i in bad if i["check_name"] == "fingerprint-mismatch"]
assert {i["description"].split(": ")[1] for i in mismatch} == {"/c", "/d"}, mismatch
failed = docs["failed"]
assert [(i["check_name"], i["severity"], i["location"]["path"]) for i in failed] == [("input-error", "blocker", "missing.erofs")], failed
PY
pass
