# Sourced by every tests/lint/*.sh. Builds on tests/cli/common.sh (set -eu, scratch dir $t,
# run / expect_exit / fail / pass / mkimage ...) and adds what lint tests need.
#
# Environment (CTest sets the first four from tests/lint/CMakeLists.txt):
#   EROFS_SHARE, LINT_FORGE, EROFS_SHARE_SRCDIR, EROFS_SHARE_SCRATCH
#   MKFS_EROFS_19 (and FSCK_EROFS_19 where named): erofs-utils >= 1.9, required
#   PYTHON3: python3 with the jsonschema module [python3]
# shellcheck source=../cli/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/common.sh"

: "${LINT_FORGE:?set LINT_FORGE to the lint-forge test helper (CTest does this)}"
[ -n "${MKFS_EROFS_19:-}" ] ||
  fail 'MKFS_EROFS_19 is not set: lint tests need mkfs.erofs >= 1.9 (source $HOME/.cache/erofs-share/env or eval "$(bash scripts/erofs-utils.sh)")'
[ -x "$MKFS_EROFS_19" ] || fail "MKFS_EROFS_19=$MKFS_EROFS_19 is not executable"
lintdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# need_fsck: FSCK_EROFS_19 must be set for this test.
need_fsck() {
  [ -n "${FSCK_EROFS_19:-}" ] && [ -x "$FSCK_EROFS_19" ] ||
    fail 'FSCK_EROFS_19 is not set or not executable (source $HOME/.cache/erofs-share/env)'
}

# forge ARGS...: lint-forge, failing the test if it fails.
forge() { "$LINT_FORGE" "$@" || fail "lint-forge $*"; }

# mk OUT SRC [MKFS-OPTIONS...]: a reproducible image by mkfs.erofs >= 1.9.
mk() {
  local out=$1 src=$2
  shift 2
  mkimage 19 "$out" "$src" "$@"
}

# data FILE SIZE [SEED]: SIZE deterministic pseudo-random bytes.
data() {
  "$PYTHON3" -c 'import random, sys
r = random.Random(int(sys.argv[3]))
open(sys.argv[1], "wb").write(bytes(r.getrandbits(8) for _ in range(int(sys.argv[2]))))' "$1" "$2" "${3:-$2}"
}

# make_lint_tree DIR: files of every flat layout and size class, an empty file, a hard link,
# a symlink and a directory.
make_lint_tree() {
  local d=$1
  mkdir -p "$d/sub"
  printf 'hello world\n' >"$d/a"       # inline
  data "$d/b" 5000 1                    # one full block + inline tail
  data "$d/c" 8192 2                    # exactly two blocks
  data "$d/d" 100000 3                  # many blocks + tail
  printf 'x' >"$d/e"                    # one byte
  : >"$d/empty"
  printf 'nested text file\n' >"$d/sub/f"
  ln "$d/a" "$d/sub/hard-a"
  ln -s a "$d/link"
}

# lint_json OUT ARGS...: `erofs-share lint --format json ARGS` into OUT; status in $rc.
lint_json() {
  local out=$1
  shift
  rc=0
  "$EROFS_SHARE" lint --format json "$@" >"$out" 2>"$t/stderr" || rc=$?
  [ "$rc" -le 1 ] || fail "lint exited $rc: $*"
}

# lint_json_failed OUT ARGS...: like lint_json, for runs with an unreadable input (exit 2).
lint_json_failed() {
  local out=$1
  shift
  rc=0
  "$EROFS_SHARE" lint --format json "$@" >"$out" 2>"$t/stderr" || rc=$?
  [ "$rc" -eq 2 ] || fail "lint exited $rc, expected 2 (an input cannot be read): $*"
}

# count REPORT [rule=R] [path=P] [image=I] [severity=S]: matching findings.
count() { "$PYTHON3" "$lintdir/findings.py" count "$@"; }

# expect_finding REPORT rule=R [path=P] ...: at least one matching finding.
expect_finding() {
  local n
  n=$(count "$@")
  [ "$n" -gt 0 ] || { "$PYTHON3" "$lintdir/findings.py" list "$1" >&2; fail "no finding matching ${*:2} in $1"; }
}

# expect_no_finding REPORT rule=R [path=P] ...: no matching finding.
expect_no_finding() {
  local n
  n=$(count "$@")
  [ "$n" -eq 0 ] || { "$PYTHON3" "$lintdir/findings.py" list "$1" >&2; fail "$n unexpected findings matching ${*:2} in $1"; }
}

# expect_clean REPORT: no findings at all.
expect_clean() {
  local n
  n=$(count "$1")
  [ "$n" -eq 0 ] || { "$PYTHON3" "$lintdir/findings.py" list "$1" >&2; fail "$1 has $n findings, expected none"; }
}

# rule_test RULE TRIGGER CLEAN [LINT-OPTIONS...]: the standard pair of a rule test. Lints both
# images; RULE must fire on TRIGGER and not on CLEAN.
rule_test() {
  local rule=$1 trigger=$2 clean=$3
  shift 3
  lint_json "$t/trigger.json" "$@" "$trigger"
  expect_finding "$t/trigger.json" rule="$rule"
  [ "$rc" -eq 1 ] || [ "$(count "$t/trigger.json" rule="$rule" severity=info)" -gt 0 ] ||
    fail "lint of the triggering image exited $rc, expected 1"
  lint_json "$t/clean.json" "$@" "$clean"
  expect_no_finding "$t/clean.json" rule="$rule"
}
