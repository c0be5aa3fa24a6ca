#!/bin/bash
# --baseline: accepted findings (reason required, optional expiry) are suppressed and counted;
# expired entries stop applying and are noted; --show-suppressed shows them marked;
# --write-baseline writes a baseline that accepts the current findings.
. "$(dirname "$0")/common.sh"

share=$EROFS_SHARE_SRCDIR/share/lint
make_lint_tree "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
cp "$t/fp.erofs" "$t/forged.erofs"
forge flip-fp "$t/forged.erofs" /c 20
forge unname-fp "$t/forged.erofs" /sub/f

write() { printf '%s\n' "$2" >"$t/$1"; }
write live.json '{"schema_version": 1, "accepted": [
  {"rule": "fingerprint-mismatch", "image": "forged.erofs", "path": "/c", "reason": "known, rebuilt next release", "expires": "2999-12-31"},
  {"rule": "fingerprint-missing", "path": "/su*", "reason": "glob over a subtree"}]}'
lint_json "$t/live-report.json" --baseline "$t/live.json" "$t/forged.erofs"
[ "$rc" -eq 0 ] || fail "accepted findings still fail the run (exit $rc)"
expect_clean "$t/live-report.json"
grep -q '"suppressed": 2' "$t/live-report.json" || fail "suppressed findings are not counted"

lint_json "$t/shown.json" --baseline "$t/live.json" --show-suppressed "$t/forged.erofs"
[ "$rc" -eq 0 ] || fail "shown suppressed findings fail the run"
grep -q '"suppression_reason": "known, rebuilt next release"' "$t/shown.json" || fail "reason not shown"
expect_exit 0 es lint --baseline "$t/live.json" --show-suppressed "$t/forged.erofs"
grep -q '(accepted: known, rebuilt next release) /c:' "$t/stdout" || fail "text output does not mark accepted findings"

write expired.json '{"accepted": [
  {"rule": "fingerprint-mismatch", "path": "/c", "reason": "was fine once", "expires": "2000-01-01"},
  {"rule": "fingerprint-missing", "path": "/sub/f", "reason": "ok"},
  {"rule": "fingerprint-filtered", "reason": "stale entry"}]}'
lint_json "$t/expired-report.json" --baseline "$t/expired.json" "$t/forged.erofs"
[ "$rc" -eq 1 ] || fail "an expired entry still suppresses (exit $rc)"
expect_finding "$t/expired-report.json" rule=fingerprint-mismatch path=/c
expect_no_finding "$t/expired-report.json" rule=fingerprint-missing
grep -q 'expired on 2000-01-01 and no longer applies' "$t/expired-report.json" || fail "expiry not noted"
grep -q 'baseline entry 3 (rule fingerprint-filtered) matches no finding' "$t/expired-report.json" ||
  fail "unused entry not noted"

# Entries must say why; dates and rules are checked.
write noreason.json '{"accepted": [{"rule": "fingerprint-mismatch"}]}'
expect_exit 2 es lint --baseline "$t/noreason.json" "$t/forged.erofs"
expect_one_error_line
expect_stderr_contains 'accepted[0]: "reason" is required'
write baddate.json '{"accepted": [{"rule": "fingerprint-mismatch", "reason": "x", "expires": "31.12.2030"}]}'
expect_exit 2 es lint --baseline "$t/baddate.json" "$t/forged.erofs"
expect_stderr_contains 'accepted[0].expires'
write badrule.json '{"accepted": [{"rule": "no-such-rule", "reason": "x"}]}'
expect_exit 2 es lint --baseline "$t/badrule.json" "$t/forged.erofs"

# --write-baseline: the written file validates and accepts everything it lists.
expect_exit 1 es lint --write-baseline "$t/written.json" "$t/forged.erofs"
"$PYTHON3" - "$t/written.json" "$share/baseline.schema.json" <<'PY' || fail "written baseline does not validate"
import json, sys, jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open(sys.argv[2])))
assert len(doc["accepted"]) == 2, doc
PY
expect_exit 0 es lint --baseline "$t/written.json" "$t/forged.erofs"
# Paths with glob characters are written escaped, so the entry matches only that file.
mkdir -p "$t/src2"
data "$t/src2/[x]*" 3000 4
data "$t/src2/x" 3000 5
mk "$t/odd.erofs" "$t/src2" --xattr-inode-digest
forge copy-fp "$t/odd.erofs" /x "$t/odd.erofs" '/[x]*'
expect_exit 1 es lint --write-baseline "$t/odd-baseline.json" "$t/odd.erofs"
grep -qF '"path": "/\\[x]\\*"' "$t/odd-baseline.json" || fail "glob characters not escaped: $(cat "$t/odd-baseline.json")"
expect_exit 0 es lint --baseline "$t/odd-baseline.json" "$t/odd.erofs"
pass
