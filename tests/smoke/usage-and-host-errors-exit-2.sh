#!/bin/bash
# Usage errors and missing host pieces end with exit 2 and one "erofs-share: ..." line that
# names the problem; --help teaches the scenarios and the exit codes. No VM is started.
. "$(dirname "$0")/common.sh"

expect_exit 0 es smoke --help
for s in --kernel --modules --debian-kernel --format --timeout same_domain_shares forged_fingerprint_serves_other_bytes \
         "Exit status"; do
  grep -qF -- "$s" "$t/stdout" || fail "smoke --help lacks $s"
done

env -u EROFS_SHARE_KERNEL -u EROFS_SHARE_MODULES "$EROFS_SHARE" smoke >"$t/stdout" 2>"$t/stderr" && rc=0 || rc=$?
[ "$rc" -eq 2 ] || fail "no kernel: exit $rc, expected 2"
expect_one_error_line
expect_stderr_contains "smoke needs a kernel: --kernel VMLINUZ --modules DIR, or --debian-kernel"

printf 'not a kernel' >"$t/vmlinuz"
mkdir -p "$t/modules"
expect_exit 2 es smoke --kernel "$t/vmlinuz" --modules "$t/modules" --qemu "$t/no-such-qemu" -q "$t/vmlinuz"
expect_one_error_line
expect_stderr_contains "smoke cannot run (no_qemu)" "no-such-qemu not found"

expect_exit 2 es smoke --kernel "$t/vmlinuz" --modules "$t/modules" --busybox "$t/no-busybox" --qemu sh -q "$t/vmlinuz"
expect_one_error_line
expect_stderr_contains "smoke cannot run (no_busybox)"

expect_exit 2 es smoke --kernel "$t/no-kernel" --modules "$t/modules" --qemu sh -q "$t/vmlinuz"
expect_one_error_line
expect_stderr_contains "no-kernel: kernel image not readable"

expect_exit 2 es smoke --accel xen
expect_stderr_contains "--accel"
expect_exit 2 es smoke --debian-kernel --kernel "$t/vmlinuz"
expect_stderr_contains "--debian-kernel cannot be combined with --kernel/--modules"
# --device IMAGE=FILE: IMAGE must be one of the IMAGE arguments; one value per use, so the
# IMAGEs after it stay positional.
expect_exit 2 es smoke --kernel "$t/vmlinuz" --modules "$t/modules" --device "$t/other=$t/vmlinuz" -q "$t/vmlinuz"
expect_one_error_line
expect_stderr_contains "--device $t/other=$t/vmlinuz: expected IMAGE=FILE with IMAGE one of the IMAGE arguments"
expect_exit 2 es smoke --kernel "$t/vmlinuz" --modules "$t/modules" --qemu "$t/no-such-qemu" \
  --device "$t/vmlinuz=$t/vmlinuz" -q "$t/vmlinuz"
expect_stderr_contains "smoke cannot run (no_qemu)"
pass
