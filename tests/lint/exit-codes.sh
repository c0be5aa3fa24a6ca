#!/bin/bash
# Exit status: 0 clean, 1 findings at or above the threshold, 2 usage or input error (one
# "erofs-share: ..." line per problem on stderr; readable images are still reported).
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/plain.erofs" "$t/src"
head -c 8192 /dev/zero >"$t/zeros.img"

expect_exit 0 es lint "$t/fp.erofs"
[ ! -s "$t/stderr" ] || fail "stderr not empty on a clean run"
expect_exit 1 es lint "$t/plain.erofs"
expect_exit 0 es lint --list-rules

# An input that cannot be read: one error line on stderr, and the report says FAILED.
expect_exit 2 es lint "$t/missing.erofs"
[ "$(wc -l <"$t/stderr")" -eq 1 ] || fail "stderr has $(wc -l <"$t/stderr") lines, expected 1"
expect_stderr_contains "erofs-share: $t/missing.erofs: " "No such file"
tail -n 1 "$t/stdout" | grep -q 'FAILED (1 input could not be read)' || fail "report does not say FAILED"
expect_exit 2 es lint "$t/zeros.img"
expect_stderr_contains "not an EROFS image"
expect_exit 2 es lint "$t/src"
# An image that cannot be opened is an unreadable input too (documented status 2).
cp "$t/fp.erofs" "$t/noroot.erofs"
forge break-inode "$t/noroot.erofs" /
expect_exit 2 es lint "$t/noroot.erofs"
expect_stderr_contains "erofs-share: $t/noroot.erofs: cannot open the image: "
expect_exit 2 es lint --severity-threshold none "$t/noroot.erofs"

# Input errors win, but the readable images are still linted and printed.
expect_exit 2 es lint "$t/plain.erofs" "$t/missing.erofs"
grep -q 'fingerprints-absent' "$t/stdout" || fail "the readable image was not reported"

expect_exit 2 es lint
expect_stderr_contains "at least one IMAGE"
expect_exit 2 es lint --bogus "$t/fp.erofs"
expect_exit 2 es lint --format xml "$t/fp.erofs"
expect_exit 2 es lint --min-kernel seven "$t/fp.erofs"
expect_one_error_line
expect_exit 2 es lint --device "$t/zeros.img" "$t/fp.erofs" "$t/plain.erofs"
expect_stderr_contains "--device needs exactly one IMAGE"
expect_exit 2 es lint --device "$t/zeros.img" "$t/fp.erofs"
expect_stderr_contains "extra devices"
expect_exit 2 es lint -o "$t/no/such/dir/report.txt" "$t/fp.erofs"
pass
