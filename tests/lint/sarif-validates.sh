#!/bin/bash
# --format sarif validates against the official OASIS SARIF 2.1.0 JSON schema (fetched from
# Debian's librust-serde-sarif-dev package by scripts/sarif-schema.sh, cached), for a clean
# run, findings with and without paths and offsets,
# several images, suppressed findings and names that are not UTF-8; ruleIndex points at the
# right rule and levels follow the policy.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
printf 'odd name\n' >"$t/src/$(printf 'caf\xe9 %%20,:')"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/plain.erofs" "$t/src"
cp "$t/fp.erofs" "$t/bad.erofs"
forge flip-fp "$t/bad.erofs" /d 30
forge flip-fp "$t/bad.erofs" "/$(printf 'caf\xe9 %%20,:')" 30
forge break-checksum "$t/bad.erofs"
echo '{"accepted": [{"rule": "fingerprints-absent", "reason": "legacy image"}]}' >"$t/baseline.json"

schema=$(bash "$EROFS_SHARE_SRCDIR/scripts/sarif-schema.sh") || fail "could not get the SARIF 2.1.0 schema"

validate() {
  "$PYTHON3" - "$schema" "$@" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
assert schema["$id"].endswith("sarif-schema-2.1.0.json"), schema["$id"]
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
# The validator must be able to fail: a result without a message is invalid SARIF.
broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}]}
assert not validator.is_valid(broken), "the schema accepts a result without a message"
for path in sys.argv[2:]:
    doc = json.load(open(path, encoding="utf-8"))
    validator.validate(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"], r
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r
PY
}

expect_exit 0 es lint --format sarif -o "$t/clean.sarif" "$t/fp.erofs"
expect_exit 1 es lint --format sarif -o "$t/bad.sarif" "$t/bad.erofs" "$t/plain.erofs"
expect_exit 0 es lint --format sarif --show-suppressed --baseline "$t/baseline.json" -o "$t/suppressed.sarif" "$t/plain.erofs"
expect_exit 0 es lint --format sarif --severity-threshold error --enable fingerprint-name-nondefault \
  -o "$t/abs.sarif" "$(cd "$t" && pwd)/fp.erofs"
validate "$t/clean.sarif" "$t/bad.sarif" "$t/suppressed.sarif" "$t/abs.sarif" || fail "SARIF does not validate"

"$PYTHON3" - "$t/bad.sarif" "$t/suppressed.sarif" <<'PY' || fail "SARIF content is wrong"
import json, sys
bad = json.load(open(sys.argv[1]))["runs"][0]
levels = {(r["ruleId"], r["level"]) for r in bad["results"]}
assert ("fingerprint-mismatch", "error") in levels, levels
assert ("fingerprints-absent", "warning") in levels, levels
assert ("superblock-checksum", "error") in levels, levels
checksum = [r for r in bad["results"] if r["ruleId"] == "superblock-checksum"][0]
assert checksum["locations"][0]["physicalLocation"]["region"]["byteOffset"] == 1028, checksum
mismatch = [r for r in bad["results"] if r["ruleId"] == "fingerprint-mismatch"]
assert {m["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for m in mismatch} >= {"/d"}, mismatch
assert all(r["partialFingerprints"] for r in bad["results"])
assert len({json.dumps(r["partialFingerprints"]) for r in bad["results"]}) == len(bad["results"])
sup = json.load(open(sys.argv[2]))["runs"][0]["results"]
assert sup and sup[0]["suppressions"] == [{"kind": "external", "justification": "legacy image"}], sup
PY
grep -q '"uri": "file:///' "$t/abs.sarif" || fail "absolute image paths are not file:// URIs"
pass
