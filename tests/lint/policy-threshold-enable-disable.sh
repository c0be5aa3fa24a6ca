#!/bin/bash
# --severity-threshold decides the exit status; --enable/--disable switch rules; an unknown
# rule id is a usage error.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/plain.erofs" "$t/src"                     # one warning: fingerprints-absent
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/blob.erofs" "$t/src" --blobdev="$t/blob.img" --chunksize=4096 --xattr-inode-digest  # info only

expect_exit 1 es lint "$t/plain.erofs"
expect_exit 1 es lint --severity-threshold warning "$t/plain.erofs"
expect_exit 0 es lint --severity-threshold error "$t/plain.erofs"
expect_exit 0 es lint --severity-threshold none "$t/plain.erofs"
grep -q 'report only' "$t/stdout" || fail "threshold none is not stated"
expect_exit 0 es lint "$t/blob.erofs"
expect_exit 1 es lint --severity-threshold info "$t/blob.erofs"
expect_exit 0 es lint --severity-threshold info "$t/fp.erofs"

expect_exit 0 es lint --disable fingerprints-absent "$t/plain.erofs"
grep -q 'clean' "$t/stdout" || fail "a disabled rule still reported"
# --disable wins over --enable; the off-by-default rule needs --enable.
mk "$t/named.erofs" "$t/src" --xattr-inode-digest=trusted.fp
lint_json "$t/on.json" --enable fingerprint-name-nondefault "$t/named.erofs"
expect_finding "$t/on.json" rule=fingerprint-name-nondefault
lint_json "$t/both.json" --enable fingerprint-name-nondefault --disable fingerprint-name-nondefault "$t/named.erofs"
expect_no_finding "$t/both.json" rule=fingerprint-name-nondefault
"$PYTHON3" -c 'import json,sys; ids=[r["id"] for r in json.load(open(sys.argv[1]))["rules"]]; sys.exit("fingerprint-name-nondefault" in ids)' \
  "$t/both.json" || fail "the disabled rule is listed as run"

expect_exit 2 es lint --enable no-such-rule "$t/fp.erofs"
expect_one_error_line
expect_stderr_contains "unknown lint rule 'no-such-rule'"
expect_exit 2 es lint --severity-threshold fatal "$t/fp.erofs"
pass
