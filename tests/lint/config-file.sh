#!/bin/bash
# The TOML config file: `.erofs-share.toml` discovered in the current directory or the nearest
# parent up to the repository root (a directory holding .git) or "/"; --config FILE instead;
# --no-config for none; the report says which file was used (a note). It sets threshold, rules,
# min_kernel, verify and baseline; the command line overrides it; mistakes (malformed TOML,
# wrong types, unknown keys or rules) are usage errors, one line naming file:line and key;
# the shipped share/lint/default-config.toml changes nothing.
. "$(dirname "$0")/common.sh"

share=$EROFS_SHARE_SRCDIR/share/lint
make_lint_tree "$t/src"
mk "$t/plain.erofs" "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
cp "$t/fp.erofs" "$t/forged.erofs"
forge flip-fp "$t/forged.erofs" /c 20

# without_config_note IN OUT: the JSON report without the note naming the config file.
without_config_note() {
  "$PYTHON3" - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["notes"] = [n for n in d["notes"] if not n.startswith("config: ")]
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
}

# The defaults, spelled out, give exactly the default report.
for img in plain fp forged; do
  lint_json "$t/$img-none.json" --no-config "$t/$img.erofs"
  lint_json "$t/$img-default.json" --config "$share/default-config.toml" "$t/$img.erofs"
  grep -q "\"config: $share/default-config.toml\"" "$t/$img-default.json" || fail "the report does not name the config"
  without_config_note "$t/$img-none.json" "$t/$img-a.json"
  without_config_note "$t/$img-default.json" "$t/$img-b.json"
  cmp "$t/$img-a.json" "$t/$img-b.json" || fail "default-config.toml changes the $img report"
done

cat >"$t/strict.toml" <<'TOML'
severity_threshold = "error"
min_kernel = "6.1"

[rules]
feature-needs-newer-kernel = "off"
fingerprints-absent = { severity = "error" }

[rules.fingerprint-name-nondefault]
enabled = true
TOML
lint_json "$t/strict-plain.json" --config "$t/strict.toml" "$t/plain.erofs"
[ "$rc" -eq 1 ] || fail "a rule raised to error did not fail the run"
expect_finding "$t/strict-plain.json" rule=fingerprints-absent severity=error
lint_json "$t/strict-fp.json" --config "$t/strict.toml" "$t/fp.erofs"
expect_no_finding "$t/strict-fp.json" rule=feature-needs-newer-kernel   # "off" wins over min_kernel 6.1
grep -q '"min_kernel": "6.1"' "$t/strict-fp.json" || fail "min_kernel from the config is not in effect"
# The command line overrides the file.
expect_exit 0 es lint --config "$t/strict.toml" --severity-threshold none "$t/plain.erofs"
lint_json "$t/override.json" --config "$t/strict.toml" --min-kernel 5.10 --disable fingerprints-absent "$t/plain.erofs"
expect_no_finding "$t/override.json" rule=fingerprints-absent

echo 'verify = false' >"$t/noverify.toml"
lint_json "$t/nv.json" --config "$t/noverify.toml" "$t/forged.erofs"
expect_no_finding "$t/nv.json" rule=fingerprint-mismatch

# A baseline named in a config is found relative to the config file.
mkdir -p "$t/conf"
echo 'baseline = "accepted.json"' >"$t/conf/lint.toml"
echo '{"accepted": [{"rule": "fingerprint-mismatch", "path": "/c", "reason": "test"}]}' >"$t/conf/accepted.json"
expect_exit 0 es lint --config "$t/conf/lint.toml" "$t/forged.erofs"

# Discovery: the nearest .erofs-share.toml from the current directory up to the repository root.
mkdir -p "$t/outer/repo/.git" "$t/outer/repo/sub/dir"
echo 'severity_threshold = "none"' >"$t/outer/repo/.erofs-share.toml"
(cd "$t/outer/repo/sub/dir" && "$EROFS_SHARE" lint "$t/forged.erofs" >"$t/found.txt") ||
  fail "the discovered config (threshold none) was not used"
grep -q "^note: config: $t/outer/repo/.erofs-share.toml\$" "$t/found.txt" || fail "the text report does not name the config"
rc=0
(cd "$t/outer/repo/sub/dir" && "$EROFS_SHARE" lint --no-config "$t/forged.erofs" >"$t/noconf.txt") || rc=$?
[ "$rc" -eq 1 ] || fail "--no-config: exit $rc, expected 1"
grep -q 'config:' "$t/noconf.txt" && fail "--no-config still names a config"
rc=0
(cd "$t/outer/repo/sub/dir" && "$EROFS_SHARE" lint --config "$t/noverify.toml" "$t/forged.erofs" >/dev/null) || rc=$?
[ "$rc" -eq 0 ] || fail "--config did not replace the discovered file (exit $rc)"   # verify off, threshold default
# A nearer file wins; nothing above the repository root is read.
echo 'severity_threshold = "error"' >"$t/outer/repo/sub/.erofs-share.toml"
(cd "$t/outer/repo/sub/dir" && "$EROFS_SHARE" lint "$t/plain.erofs" >"$t/nearer.txt") || fail "the nearer config was not used"
grep -q "config: $t/outer/repo/sub/.erofs-share.toml" "$t/nearer.txt" || fail "the nearer config is not named"
rm "$t/outer/repo/.erofs-share.toml" "$t/outer/repo/sub/.erofs-share.toml"
echo 'severity_threshold = "none"' >"$t/outer/.erofs-share.toml"
rc=0
(cd "$t/outer/repo/sub/dir" && "$EROFS_SHARE" lint "$t/forged.erofs" >/dev/null) || rc=$?
[ "$rc" -eq 1 ] || fail "a config above the repository root was read (exit $rc)"
# A broken discovered file is an error too.
echo 'verify = "yes"' >"$t/outer/repo/.erofs-share.toml"
rc=0
(cd "$t/outer/repo/sub/dir" && "$EROFS_SHARE" lint "$t/forged.erofs" >/dev/null 2>"$t/stderr") || rc=$?
[ "$rc" -eq 2 ] || fail "a broken discovered config: exit $rc, expected 2"
expect_stderr_contains "$t/outer/repo/.erofs-share.toml:1: verify: expected true or false"

# Mistakes: exit 2, one line naming file:line and key.
bad() {
  printf '%s\n' "$1" >"$t/bad.toml"
  expect_exit 2 es lint --config "$t/bad.toml" "$t/fp.erofs"
  expect_one_error_line
  expect_stderr_contains "$t/bad.toml:$2"
}
bad 'severity_treshold = "error"' '1: severity_treshold: unknown key'
bad $'verify = true\n[rules]\nfingerprint-mismatchh = "off"' '3: rules.fingerprint-mismatchh: unknown rule'
bad $'[rules.fingerprint-mismatch]\nseverity = "fatal"' '2: rules.fingerprint-mismatch.severity'
bad $'[rules.fingerprint-mismatch]\nenable = true' '2: rules.fingerprint-mismatch.enable: unknown key'
bad 'rules = 3' '1: rules: expected a table'
bad 'min_kernel = "seven"' '1: min_kernel'
bad 'min_kernel = 6.1' '1: min_kernel: expected a string'
bad 'verify = "yes"' '1: verify: expected true or false'
bad 'jobs = -1' '1: jobs: expected an integer'
bad $'verify = true\nnot toml' '2: not valid TOML'
bad '{"verify": true}' '1: not valid TOML'
expect_exit 2 es lint --config "$t/missing.toml" "$t/fp.erofs"
expect_one_error_line
expect_exit 2 es lint --config "$t/bad.toml" --no-config "$t/fp.erofs"
pass
