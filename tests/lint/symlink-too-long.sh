#!/bin/bash
# A symlink whose i_size says more than 4,096 bytes (PATH_MAX; patched in, mkfs cannot make
# one) is rejected by inspect --digest, and lint reports it as corrupt-inode (error) at its
# path, failing --severity-threshold error; the same image with the true size is clean.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
ln -s "$(printf 'd/%.0s' $(seq 1 1500))target" "$t/src/long"   # 3,006 bytes
mk "$t/ok.erofs" "$t/src" --xattr-inode-digest
cp "$t/ok.erofs" "$t/bad.erofs"
forge set-size "$t/bad.erofs" /long 5000

expect_exit 0 es lint --severity-threshold error "$t/ok.erofs"
expect_exit 0 es inspect --digest "$t/ok.erofs"
expect_exit 2 es inspect --digest "$t/bad.erofs"
lint_json "$t/bad.json" --severity-threshold error "$t/bad.erofs"
[ "$rc" -eq 1 ] || fail "lint --severity-threshold error exited $rc on a symlink longer than 4096 bytes"
expect_finding "$t/bad.json" rule=corrupt-inode path=/long severity=error
pass
