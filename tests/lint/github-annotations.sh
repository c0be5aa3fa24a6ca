#!/bin/bash
# --format github prints one workflow command per finding (error / warning / notice by
# severity) with the image as file and the rule id in the title, escaping %, CR, LF (and ','
# and ':' in properties) so a hostile file name cannot end or forge an annotation.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
evil=$(printf 'x\n::error::forged%%0A')
printf 'x\n' >"$t/src/$evil"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/plain.erofs" "$t/src"
cp "$t/fp.erofs" "$t/bad,x:y.erofs"
forge flip-fp "$t/bad,x:y.erofs" "/$evil" 30
mk "$t/blob.erofs" "$t/src" --blobdev="$t/blob.img" --chunksize=4096 --xattr-inode-digest

expect_exit 1 es lint --format github "$t/bad,x:y.erofs" "$t/plain.erofs" "$t/blob.erofs"
out=$t/stdout
# The newline in the name is rendered as \x0a (as in every line format), '%' as %25.
grep -qF "::error file=$t/bad%2Cx%3Ay.erofs,title=erofs-share lint%3A fingerprint-mismatch::/x\x0a::error::forged%250A: stored fingerprint" "$out" ||
  { cat "$out" >&2; fail "error annotation missing or not escaped"; }
grep -q '^::warning file=.*plain.erofs,title=erofs-share lint%3A fingerprints-absent::' "$out" || fail "warning annotation missing"
grep -q '^::notice file=.*blob.erofs,title=erofs-share lint%3A fingerprint-unverified::' "$out" || fail "notice annotation missing"
# Every line is a workflow command except the final summary; none is forged.
[ "$(grep -c '^::' "$out")" -eq "$(($(wc -l <"$out") - 1))" ] || fail "stray lines"
not grep -q '^::error::forged' "$out" || fail "a file name forged an annotation"
tail -n 1 "$out" | grep -q '^erofs-share lint: 1 errors, 1 warnings, [0-9]* info, 0 accepted; failed$' || fail "summary line"
pass
