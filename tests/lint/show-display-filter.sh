#!/bin/bash
# --show LEVEL is a display filter, separate from --severity-threshold (the exit status):
# findings below LEVEL are listed in no format, yet still fail the run when at or above the
# threshold (the text summary says how many are hidden; JSON summary.hidden, and the counts
# include them); and findings shown below the threshold do not fail it.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/plain.erofs" "$t/src"                         # fingerprints-absent (warning)
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
cp "$t/fp.erofs" "$t/forged.erofs"
forge flip-fp "$t/forged.erofs" /c 20                # fingerprint-mismatch (error)

# Failing but not shown: the warning is hidden by --show error, the exit status is still 1.
for format in text json sarif gitlab github junit; do
  expect_exit 1 es lint --show error --format "$format" -o "$t/hidden.$format" "$t/plain.erofs"
done
tail -n 1 "$t/hidden.text" | grep -q ', 1 finding hidden (below --show error); FAILED' ||
  fail "text summary: $(tail -n 1 "$t/hidden.text")"
grep -q 'fingerprints-absent' "$t/hidden.text" && fail "the hidden finding is listed in text"
for format in gitlab github; do
  grep -q 'fingerprints-absent' "$t/hidden.$format" && fail "the hidden finding is listed in $format"
done
"$PYTHON3" - "$t/hidden.json" "$EROFS_SHARE_SRCDIR/share/lint/report.schema.json" "$t/hidden" <<'PY' ||
import json, sys, jsonschema
import xml.etree.ElementTree as ET
assert json.load(open(sys.argv[3] + ".sarif"))["runs"][0]["results"] == []
assert not list(ET.parse(sys.argv[3] + ".junit").getroot().iter("failure"))
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open(sys.argv[2])))
assert doc["findings"] == [], doc["findings"]
s = doc["summary"]
assert s["hidden"] == 1 and s["warning"] == 1 and s["failed"] is True, s
assert doc["settings"]["show"] == "error", doc["settings"]
PY
  fail "a hidden finding is listed in JSON, SARIF or JUnit"

# Shown but not failing: the warning is listed, the threshold is error: exit 0.
expect_exit 0 es lint --show warning --severity-threshold error "$t/plain.erofs"
grep -q 'warning fingerprints-absent' "$t/stdout" || fail "the warning is not listed with --show warning"
grep -q 'hidden' "$t/stdout" && fail "nothing should be hidden: $(tail -n 1 "$t/stdout")"

# Both at once: the error is shown and fails, the warning of the other image is hidden.
lint_json "$t/both.json" --show error "$t/forged.erofs" "$t/plain.erofs"
[ "$rc" -eq 1 ] || fail "exit $rc, expected 1"
expect_finding "$t/both.json" rule=fingerprint-mismatch
expect_no_finding "$t/both.json" rule=fingerprints-absent
# The default lists everything.
lint_json "$t/all.json" "$t/forged.erofs" "$t/plain.erofs"
expect_finding "$t/all.json" rule=fingerprints-absent
grep -q '"hidden": 0' "$t/all.json" || fail "summary.hidden is not 0 without --show"
expect_exit 2 es lint --show none "$t/plain.erofs"
pass
