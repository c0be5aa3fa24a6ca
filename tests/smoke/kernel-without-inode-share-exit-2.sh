#!/bin/bash
# With Debian 12's own 6.1 cloud kernel (no inode_share) smoke exits 2 and says the kernel
# lacks inode_share, in text mode (one stderr line) and in JSON (status cannot_run).
. "$(dirname "$0")/common.sh"
need_vm
need_mkfs19
use_kernel --bookworm

expect_exit 2 es smoke --kernel "$KERNEL" --modules "$MODULES" -q
expect_one_error_line
expect_stderr_contains "lacks inode_share" "(no_inode_share)" "6.1."

expect_exit 2 es smoke --kernel "$KERNEL" --modules "$MODULES" -q --format json
check_json 'j["status"] == "cannot_run" and j["cannot_run"]["reason"] == "no_inode_share"' "$t/stdout"
check_json '"lacks inode_share" in j["cannot_run"]["message"] and j["kernel_release"].startswith("6.1.")' "$t/stdout"
validate_schema "$t/stdout"
pass
