#!/bin/bash
# When the guest never produces the probe's output, smoke says so and exits 2 rather than
# guessing: a "probe" that is not ours (busybox, which prints no ESPROBE line and exits, so
# the kernel panics and QEMU ends), and a VM killed by --timeout.
. "$(dirname "$0")/common.sh"
need_vm
need_mkfs19
use_kernel

expect_exit 2 es smoke --kernel "$KERNEL" --modules "$MODULES" --probe /bin/busybox -q --accel tcg
expect_one_error_line
expect_stderr_contains "smoke cannot run (vm_failed)" "before the probe started"

expect_exit 2 es smoke --kernel "$KERNEL" --modules "$MODULES" --timeout 1 -q --accel tcg --format json
check_json 'j["status"] == "cannot_run" and j["cannot_run"]["reason"] == "vm_failed"' "$t/stdout"
check_json '"no probe output within 1 s" in j["cannot_run"]["message"]' "$t/stdout"
pass
