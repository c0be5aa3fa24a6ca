#!/bin/bash
# --config: a JSON file sets threshold, rules, min_kernel, verify and baseline; the command
# line overrides it; mistakes are usage errors naming the file and key; the shipped default
# config validates against its schema and changes nothing.
. "$(dirname "$0")/common.sh"

share=$EROFS_SHARE_SRCDIR/share/lint
make_lint_tree "$t/src"
mk "$t/plain.erofs" "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
cp "$t/fp.erofs" "$t/forged.erofs"
forge flip-fp "$t/forged.erofs" /c 20

"$PYTHON3" - "$share" <<'PY' || fail "share/lint/default-config.json does not match its schema"
import json, sys, jsonschema
d = sys.argv[1]
jsonschema.validate(json.load(open(f"{d}/default-config.json")), json.load(open(f"{d}/config.schema.json")))
PY
# The defaults, spelled out, give exactly the default report.
for img in plain fp forged; do
  lint_json "$t/$img-none.json" "$t/$img.erofs"
  lint_json "$t/$img-default.json" --config "$share/default-config.json" "$t/$img.erofs"
  cmp "$t/$img-none.json" "$t/$img-default.json" || fail "default-config.json changes the $img report"
done

cat >"$t/strict.json" <<'JSON'
{"schema_version": 1, "severity_threshold": "error", "min_kernel": "6.1",
 "rules": {"fingerprints-absent": {"severity": "error"}, "feature-needs-newer-kernel": "off",
           "fingerprint-name-nondefault": {"enabled": true}}}
JSON
lint_json "$t/strict-plain.json" --config "$t/strict.json" "$t/plain.erofs"
[ "$rc" -eq 1 ] || fail "a rule raised to error did not fail the run"
expect_finding "$t/strict-plain.json" rule=fingerprints-absent severity=error
lint_json "$t/strict-fp.json" --config "$t/strict.json" "$t/fp.erofs"
expect_no_finding "$t/strict-fp.json" rule=feature-needs-newer-kernel   # "off" wins over min_kernel 6.1
grep -q '"min_kernel": "6.1"' "$t/strict-fp.json" || fail "min_kernel from the config is not in effect"
# The command line overrides the file.
expect_exit 0 es lint --config "$t/strict.json" --severity-threshold none "$t/plain.erofs"
lint_json "$t/override.json" --config "$t/strict.json" --min-kernel 5.10 --disable fingerprints-absent "$t/plain.erofs"
expect_no_finding "$t/override.json" rule=fingerprints-absent

echo '{"verify": false}' >"$t/noverify.json"
lint_json "$t/nv.json" --config "$t/noverify.json" "$t/forged.erofs"
expect_no_finding "$t/nv.json" rule=fingerprint-mismatch

# A baseline named in a config is found relative to the config file.
mkdir -p "$t/conf"
echo '{"baseline": "accepted.json"}' >"$t/conf/lint.json"
echo '{"accepted": [{"rule": "fingerprint-mismatch", "path": "/c", "reason": "test"}]}' >"$t/conf/accepted.json"
expect_exit 0 es lint --config "$t/conf/lint.json" "$t/forged.erofs"

# Mistakes: exit 2, one line naming file and key.
bad() {
  printf '%s\n' "$1" >"$t/bad.json"
  expect_exit 2 es lint --config "$t/bad.json" "$t/fp.erofs"
  expect_one_error_line
  expect_stderr_contains "$t/bad.json" "$2"
}
bad '{"severity_treshold": "error"}' 'severity_treshold: unknown key'
bad '{"rules": {"fingerprint-mismatchh": "off"}}' 'rules.fingerprint-mismatchh: unknown rule'
bad '{"rules": {"fingerprint-mismatch": {"severity": "fatal"}}}' 'rules.fingerprint-mismatch.severity'
bad '{"min_kernel": "seven"}' 'min_kernel'
bad '{"verify": "yes"}' 'verify: expected true or false'
bad 'not json' 'not valid JSON'
expect_exit 2 es lint --config "$t/missing.json" "$t/fp.erofs"
expect_one_error_line
pass
