#!/bin/bash
# --write-baseline merges: over --baseline B (or, without it, over the baseline already in the
# file) every entry that still matches a finding is kept with its reason and expiry, each new
# finding gets an entry with a placeholder reason, entries matching nothing are dropped, and a
# note gives the three counts. Placeholder reasons and expired entries are baseline warnings.
# A file that exists and is not a baseline is refused and left as it was.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
cp "$t/fp.erofs" "$t/forged.erofs"
forge flip-fp "$t/forged.erofs" /c 20
forge unname-fp "$t/forged.erofs" /sub/f
b=$t/baseline.json

# entries FILE: "rule path reason expires" per entry, for comparisons.
entries() {
  "$PYTHON3" -c 'import json, sys
for e in json.load(open(sys.argv[1]))["accepted"]:
    print(e["rule"], e.get("path", "-"), e["reason"], e.get("expires", "-"), sep="|")' "$1"
}
placeholder='TODO: say why this is accepted (added by --write-baseline)'

# 1. A new baseline: everything added with the placeholder.
lint_json "$t/r1.json" --write-baseline "$b" "$t/forged.erofs"
[ "$rc" -eq 1 ] || fail "exit $rc"
grep -qF "$b: baseline written: 0 kept, 2 added with a placeholder reason, 0 dropped" "$t/r1.json" || fail "counts (new)"
[ "$(entries "$b")" = "fingerprint-mismatch|/c|$placeholder|-
fingerprint-missing|/sub/f|$placeholder|-" ] || fail "new baseline: $(entries "$b")"

# Placeholder reasons accept the findings but are warnings.
lint_json "$t/r2.json" --baseline "$b" "$t/forged.erofs"
[ "$rc" -eq 0 ] || fail "placeholder entries do not accept (exit $rc)"
[ "$(grep -c 'has a placeholder reason' "$t/r2.json")" -eq 2 ] || fail "placeholder reasons not warned about"
expect_exit 0 es lint --baseline "$b" "$t/forged.erofs"
grep -q "^warning: $b: baseline entry 1 (rule fingerprint-mismatch, image forged.erofs, path /c) has a placeholder reason" \
  "$t/stdout" || fail "text output lacks the placeholder warning"

# 2. Real reasons and an expiry, plus a stale entry; then a new finding appears.
"$PYTHON3" - "$b" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["accepted"][0]["reason"] = "known, rebuilt next release"
doc["accepted"][0]["expires"] = "2999-12-31"
doc["accepted"][1]["reason"] = "docs, never shared"
doc["accepted"].append({"rule": "fingerprint-filtered", "path": "/gone", "reason": "stale, the file was removed"})
json.dump(doc, open(sys.argv[1], "w"), indent=2)
PY
mkdir -p "$t/v2"
cp "$t/forged.erofs" "$t/v2/forged.erofs"
forge flip-fp "$t/v2/forged.erofs" /d 7
lint_json "$t/r3.json" --baseline "$b" --write-baseline "$b" "$t/v2/forged.erofs"
[ "$rc" -eq 1 ] || fail "the new finding does not fail the run (exit $rc)"
expect_finding "$t/r3.json" rule=fingerprint-mismatch path=/d
grep -qF "$b: baseline written from $b: 2 kept, 1 added with a placeholder reason, 1 dropped (matching no finding)" \
  "$t/r3.json" || fail "counts (merge): $(grep written "$t/r3.json")"
[ "$(entries "$b")" = "fingerprint-mismatch|/c|known, rebuilt next release|2999-12-31
fingerprint-missing|/sub/f|docs, never shared|-
fingerprint-mismatch|/d|$placeholder|-" ] || fail "merged baseline: $(entries "$b")"
"$PYTHON3" -c 'import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$b" \
  "$EROFS_SHARE_SRCDIR/share/lint/baseline.schema.json" || fail "merged baseline does not validate"
[ "$(ls -A "$t" | grep -c '^\.')" -eq 0 ] || fail "a temporary file was left behind: $(ls -A "$t")"

# 3. Without --baseline, the baseline already in the file is merged (and the new entry stays).
lint_json "$t/r4.json" --write-baseline "$b" "$t/v2/forged.erofs"
grep -qF "$b: baseline written from $b: 3 kept, 0 added with a placeholder reason, 0 dropped" "$t/r4.json" ||
  fail "counts (existing file): $(grep written "$t/r4.json")"
[ "$(entries "$b" | head -n 1)" = "fingerprint-mismatch|/c|known, rebuilt next release|2999-12-31" ] ||
  fail "existing file lost its reasons: $(entries "$b")"

# 4. An expired entry: its finding is reported again, with a warning; still kept when merged.
sed -i 's/2999-12-31/2000-01-01/' "$b"
lint_json "$t/r5.json" --baseline "$b" --write-baseline "$t/next.json" "$t/v2/forged.erofs"
[ "$rc" -eq 1 ] || fail "expired entry: exit $rc"
expect_finding "$t/r5.json" rule=fingerprint-mismatch path=/c
"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert any("expired on 2000-01-01 and no longer applies" in w for w in d["baseline_warnings"]), d["baseline_warnings"]' \
  "$t/r5.json" || fail "expiry is not a warning"
[ "$(entries "$t/next.json" | head -n 1)" = "fingerprint-mismatch|/c|known, rebuilt next release|2000-01-01" ] ||
  fail "expired entry not kept as it is: $(entries "$t/next.json")"

# 5. A file that is not a baseline is not overwritten.
printf 'precious\n' >"$t/notes.txt"
expect_exit 2 es lint --write-baseline "$t/notes.txt" "$t/forged.erofs"
expect_one_error_line
expect_stderr_contains "--write-baseline: $t/notes.txt exists and is not a baseline"
[ "$(cat "$t/notes.txt")" = precious ] || fail "the file was changed"
pass
