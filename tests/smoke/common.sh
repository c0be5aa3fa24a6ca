# shellcheck shell=bash
# Sourced by every tests/smoke/*.sh. Builds on tests/cli/common.sh (set -eu, scratch dir $t,
# run / expect_exit / fail / pass / skip / mkimage ...) and adds what smoke tests need: QEMU,
# busybox and a kernel fetched through the project's own script.
#
# Environment (CTest sets the first three from tests/smoke/CMakeLists.txt):
#   EROFS_SHARE, EROFS_SHARE_SRCDIR, EROFS_SHARE_SCRATCH
#   MKFS_EROFS_19: mkfs.erofs >= 1.9 (else scripts/erofs-utils.sh provides it, cached)
#   EROFS_SHARE_CACHE: where scripts/debian-kernel.sh caches kernels (its default otherwise)
# shellcheck source=../cli/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/common.sh"

# need_vm: skip (the one allowed reason: a missing optional host capability) without QEMU or
# a static busybox; fail for anything else.
need_vm() {
  command -v qemu-system-x86_64 >/dev/null ||
    skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
  [ -x /bin/busybox ] || skip "/bin/busybox is not installed (Debian package busybox-static)"
}

# use_kernel [--bookworm]: sets KERNEL and MODULES from scripts/debian-kernel.sh.
use_kernel() {
  local exports
  exports=$(bash "$EROFS_SHARE_SRCDIR/scripts/debian-kernel.sh" "$@" 2>"$t/kernel.log") ||
    { cat "$t/kernel.log" >&2; fail "scripts/debian-kernel.sh $* failed"; }
  eval "$exports"
  KERNEL=$EROFS_SHARE_KERNEL
  MODULES=$EROFS_SHARE_MODULES
}

# need_mkfs19: MKFS_EROFS_19 set, from the environment or scripts/erofs-utils.sh.
need_mkfs19() {
  if [ -z "${MKFS_EROFS_19:-}" ]; then
    eval "$(bash "$EROFS_SHARE_SRCDIR/scripts/erofs-utils.sh" 2>"$t/erofs-utils.log")" ||
      { cat "$t/erofs-utils.log" >&2; fail "scripts/erofs-utils.sh failed"; }
  fi
  [ -x "${MKFS_EROFS_19:-}" ] || fail "MKFS_EROFS_19 is not executable"
}

# check_json EXPR FILE: evaluates a Python expression over the JSON document `j` in FILE; fails the
# test unless it is true. The expression is printed on failure.
check_json() {
  "$PYTHON3" - "$2" "$1" <<'PY' || fail "JSON check failed: $1 (document: $2)"
import json, sys
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"j": j})
if not ok:
    print("false: " + sys.argv[2], file=sys.stderr)
    sys.exit(1)
PY
}

# validate_schema FILE: the smoke JSON schema accepts FILE (needs python3-jsonschema).
validate_schema() {
  "$PYTHON3" - "$EROFS_SHARE_SRCDIR/share/schema/smoke.schema.json" "$1" <<'PY' || fail "$1 does not match smoke.schema.json"
import json, sys
import jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
}
