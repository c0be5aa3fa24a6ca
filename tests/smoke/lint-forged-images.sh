#!/bin/bash
# Images forged the way the lint suite forges them (lint-forge copy-fp: one file's fingerprint
# value copied onto a file of the same size and other content): lint flags the mismatch, and
# smoke shows what it means on a real kernel: the forged file reads back the other file's
# bytes. Agreement with scan's model stays 100%.
. "$(dirname "$0")/common.sh"
: "${LINT_FORGE:?set LINT_FORGE to the lint-forge test helper (CTest does this)}"
need_vm
need_mkfs19
use_kernel

mkdir -p "$t/a" "$t/b"
awk 'BEGIN { for (i = 0; i < 800; i++) printf "genuine line %05d of the trusted file\n", i }' >"$t/a/lib.so"
awk 'BEGIN { for (i = 0; i < 800; i++) printf "planted line %05d of the other files!\n", i }' >"$t/b/lib.so"
[ "$(stat -c %s "$t/a/lib.so")" = "$(stat -c %s "$t/b/lib.so")" ] || fail "test files differ in size"
cp "$t/a/lib.so" "$t/b/same.so"
cp "$t/a/lib.so" "$t/a/same.so"
mkimage 19 "$t/trusted.erofs" "$t/a" --xattr-inode-digest
mkimage 19 "$t/forged.erofs" "$t/b" --xattr-inode-digest
"$LINT_FORGE" copy-fp "$t/trusted.erofs" /lib.so "$t/forged.erofs" /lib.so || fail "lint-forge copy-fp failed"

expect_exit 1 es lint "$t/trusted.erofs" "$t/forged.erofs"

expect_exit 0 es smoke --kernel "$KERNEL" --modules "$MODULES" --format json -q "$t/trusted.erofs" "$t/forged.erofs"
check_json '[x["verdict"] for x in j["scenarios"] if x["name"] == "forged_fingerprint_serves_other_bytes"] == ["serves_other_bytes"]' "$t/stdout"
check_json '[x["verdict"] for x in j["scenarios"] if x["name"] == "same_domain_shares"] == ["shared"]' "$t/stdout"
check_json 'j["agreement"]["percent"] == 100' "$t/stdout"
pass
