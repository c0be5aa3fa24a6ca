#!/bin/bash
# Verification runs on several threads; the report does not depend on how many.
. "$(dirname "$0")/common.sh"

imgs=()
for i in 1 2 3; do
  make_lint_tree "$t/src$i"
  for k in $(seq 1 20); do data "$t/src$i/f$k" $((k * 3000 + i)) $((k + 100 * i)); done
  mk "$t/i$i.erofs" "$t/src$i" --xattr-inode-digest "$([ "$i" = 2 ] && echo -zlz4hc || echo -x2)"
  imgs+=("$t/i$i.erofs")
done
forge flip-fp "$t/i1.erofs" /f7 12
forge copy-fp "$t/i1.erofs" /f3 "$t/i3.erofs" /f3
lint_json "$t/serial.json" --jobs 1 "${imgs[@]}"
[ "$rc" -eq 1 ] || fail "exit $rc"
for j in 2 8 64; do
  lint_json "$t/parallel-$j.json" --jobs "$j" "${imgs[@]}"
  cmp "$t/serial.json" "$t/parallel-$j.json" || fail "--jobs $j differs from --jobs 1"
done
expect_finding "$t/serial.json" rule=fingerprint-mismatch path=/f7
expect_finding "$t/serial.json" rule=fingerprint-conflict path=/f3
pass
