# Sourced by every tests/cli/*.sh (the idea of mold's test/common.inc).
#
# Environment (CTest sets the first four from tests/cli/CMakeLists.txt):
#   EROFS_SHARE                   the erofs-share binary under test
#   EROFS_SHARE_SRCDIR            the source tree (schema, man pages)
#   EROFS_SHARE_EXPECTED_VERSION  the project version --version must print
#   EROFS_SHARE_SCRATCH           parent of the per-test scratch directories
#   MKFS_EROFS_15, MKFS_EROFS_19  mkfs.erofs 1.5 and >= 1.9, as printed by
#                                 `source scripts/env.sh` (or scripts/erofs-utils.sh)
#   PYTHON3                       python3 with the jsonschema module   [python3]
#
# A test runs top to bottom under `set -eu`; the first failing command ends it and is printed
# with its line number. Expected failures go through `not` or `run`.
set -eEu -o pipefail

testname=$(basename "$0" .sh)
testdir=$(cd "$(dirname "$0")" && pwd)
: "${EROFS_SHARE:?set EROFS_SHARE to the erofs-share binary (CTest does this)}"
: "${EROFS_SHARE_SRCDIR:=$(cd "$testdir/../.." && pwd)}"
: "${PYTHON3:=python3}"

on_error() {
  local code=$? line=$1
  printf '%s: FAILED at line %s (exit %s): %s\n' "$testname" "$line" "$code" "$BASH_COMMAND" >&2
  trap - EXIT
  exit 1
}
on_exit() {
  # Keep the scratch dir of a failed test for inspection; remove it after a pass.
  if [ "${passed:-0}" = 1 ]; then rm -rf "$t"; fi
}
trap 'on_error $LINENO' ERR
trap on_exit EXIT

# Scratch directory, fresh for every run.
t=${EROFS_SHARE_SCRATCH:-${TMPDIR:-/tmp}/erofs-share-cli}/$testname
rm -rf "$t"
mkdir -p "$t"

# fail MESSAGE: ends the test with MESSAGE (and the captured stderr of the last `run`).
fail() {
  printf '%s: FAILED: %s\n' "$testname" "$*" >&2
  if [ -s "$t/stderr" ]; then sed 's/^/  stderr: /' "$t/stderr" >&2; fi
  trap - EXIT
  exit 1
}

# pass: the last line of every test.
pass() {
  passed=1
  printf '%s: OK\n' "$testname"
}

# skip REASON: ends the test as skipped (exit 77). Only for a missing optional host tool.
skip() {
  printf '%s: SKIPPED: %s\n' "$testname" "$*"
  passed=1
  exit 77
}

# not CMD...: succeeds if CMD fails.
not() {
  if "$@"; then return 1; fi
}

# es ARGS...: runs the binary under test.
es() { "$EROFS_SHARE" "$@"; }

# run CMD...: runs CMD with stdout in $t/stdout, stderr in $t/stderr and its status in $rc.
# Never fails by itself.
run() {
  rc=0
  "$@" >"$t/stdout" 2>"$t/stderr" || rc=$?
}

# expect_exit N CMD...: `run`s CMD and fails unless it exited with N.
expect_exit() {
  local want=$1
  shift
  run "$@"
  [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: $*"
}

# expect_exit_within N MIB CMD...: expect_exit N CMD..., and fails if CMD's peak resident
# memory (GNU time's %M) was above MIB MiB: a hostile input costs bounded memory. CMD must be a
# program, not a shell function.
expect_exit_within() {
  local want=$1 mib=$2 kib
  shift 2
  run /usr/bin/time -f %M -o "$t/maxrss" "$@"
  [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: $*"
  kib=$(tail -n 1 "$t/maxrss")
  [ "$kib" -le $((mib * 1024)) ] || fail "peak RSS $kib KiB, more than $mib MiB: $*"
}

# expect_one_error_line: the last `run` wrote exactly one "erofs-share: ..." line to stderr,
# and nothing to stdout but (under --format json) the JSON error object with the same message
# (erofs-share(1) CONVENTIONS).
expect_one_error_line() {
  if [ -s "$t/stdout" ]; then
    "$PYTHON3" - "$t/stdout" "$t/stderr" <<'PY' || fail "stdout is not empty: $(head -c 200 "$t/stdout")"
import json, sys
out, err = (open(p, "rb").read().decode("utf-8", "replace") for p in sys.argv[1:3])
doc = json.loads(out)
assert out.count("\n") == 1 and set(doc) == {"schema_version", "error", "tool"}, "not the error object"
assert err.startswith("erofs-share: ") and doc["error"]["exit_status"] == 2
PY
  fi
  [ "$(wc -l <"$t/stderr")" -eq 1 ] || fail "stderr has $(wc -l <"$t/stderr") lines, expected 1"
  [ "$(tail -c 1 "$t/stderr" | od -An -c | tr -d ' ')" = '\n' ] || fail "stderr does not end with a newline"
  grep -q '^erofs-share: ' "$t/stderr" || fail "stderr does not start with 'erofs-share: '"
}

# expect_stderr_contains TEXT...: each TEXT occurs (as a fixed string) in the last stderr.
expect_stderr_contains() {
  local s
  for s in "$@"; do
    grep -qF -- "$s" "$t/stderr" || fail "stderr lacks '$s'"
  done
}

# match_glob FILE GLOBFILE: FILE's whole content matches GLOBFILE, in which only `*` is
# special (any text, newlines included); everything else is literal.
match_glob() {
  local text pat
  text=$(cat "$1")
  pat=$(sed 's/[][\\?()|!@+]/\\&/g' "$2")
  # shellcheck disable=SC2053  # unquoted on purpose: the right side is a pattern
  if [[ $text != $pat ]]; then
    printf '%s: output of %s does not match %s:\n' "$testname" "$1" "$2" >&2
    diff -u "$2" "$1" >&2 || true
    return 1
  fi
}

# mkfs_versions: prints "15" and/or "19" for the mkfs.erofs variables that are set; fails
# (not skips: they are part of the test setup) when neither is.
mkfs_versions() {
  local v found=
  for v in 15 19; do
    local var=MKFS_EROFS_$v
    if [ -n "${!var:-}" ]; then
      [ -x "${!var}" ] || fail "$var=${!var} is not executable"
      echo "$v"
      found=1
    fi
  done
  # shellcheck disable=SC2016  # the $(...) is for the user to type
  [ -n "$found" ] || fail 'neither MKFS_EROFS_15 nor MKFS_EROFS_19 is set; source scripts/env.sh (or eval "$(bash scripts/erofs-utils.sh)") before ctest (Debian 12: MKFS_EROFS_15=/usr/bin/mkfs.erofs)'
}

# mkfs_any: the path of one mkfs.erofs (>= 1.9 preferred).
mkfs_any() {
  local v
  v=$(mkfs_versions | tail -n 1)
  local var=MKFS_EROFS_$v
  echo "${!var}"
}

# mkimage VERSION OUT SRC [MKFS-OPTIONS...]: a reproducible image of SRC (a directory, or a
# tarball with --tar=f) built by mkfs.erofs VERSION (15 or 19).
mkimage() {
  local var=MKFS_EROFS_$1 out=$2 src=$3
  shift 3
  "${!var}" -T0 -U 6b1e0f5a-3c2d-4e8f-9a7b-1c2d3e4f5a6b --all-root "$@" "$out" "$src" \
    >"$t/mkfs.log" 2>&1 || { cat "$t/mkfs.log" >&2; fail "mkfs.erofs $1 failed: $* $out $src"; }
}

# make_tree DIR: a small tree with every file type an unprivileged user can create, hard
# links, an empty file, a file larger than a block, nested dirs and a user xattr.
make_tree() {
  local d=$1
  mkdir -p "$d/sub/deeper" "$d/empty-dir"
  printf 'hello world\n' >"$d/a"
  ln "$d/a" "$d/hardlink-to-a"
  : >"$d/empty"
  awk 'BEGIN { for (i = 0; i < 1000; i++) printf "line %04d of a file bigger than one block\n", i }' \
    >"$d/sub/big"
  printf 'same content\n' >"$d/sub/same-1"
  printf 'same content\n' >"$d/sub/deeper/same-2"
  ln -s a "$d/symlink"
  ln -s sub/deeper/same-2 "$d/sub/link-down"
  mkfifo "$d/fifo"
  "$PYTHON3" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$d/socket"
  "$PYTHON3" -c 'import os, sys; os.setxattr(sys.argv[1], "user.note", b"kept")' "$d/a" 2>/dev/null || true
  # Device nodes need CAP_MKNOD; tar input (mkfs >= 1.9) covers them for everyone.
  mknod "$d/null" c 1 3 2>/dev/null || true
}

# make_device_tar OUT: a tarball holding a character and a block device node.
make_device_tar() {
  "$PYTHON3" - "$1" <<'EOF'
import sys, tarfile, io
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as tar:
    for name, kind, major, minor in [("dev", tarfile.DIRTYPE, 0, 0), ("dev/null", tarfile.CHRTYPE, 1, 3),
                                     ("dev/sda", tarfile.BLKTYPE, 8, 0)]:
        ti = tarfile.TarInfo(name)
        ti.type, ti.devmajor, ti.devminor, ti.mode, ti.mtime = kind, major, minor, 0o644, 0
        tar.addfile(ti)
    data = b"file inside a tar\n"
    ti = tarfile.TarInfo("dev/readme")
    ti.size, ti.mtime = len(data), 0
    tar.addfile(ti, io.BytesIO(data))
EOF
}

# expect_refused_as_every_name INPUT CMD...: runs CMD four times with each @OUT@ in it replaced
# by another name of the file INPUT: INPUT itself, a symlink to it, a hard link to it and
# /proc/self/fd/7 (fd 7 is open on INPUT, and the command inherits it). Each run must exit 2
# with one error line naming that output, and leave INPUT byte-identical.
expect_refused_as_every_name() {
  local input=$1 before out name
  shift
  before=$(sha256sum <"$input")
  ln -sfn "$input" "$t/symlink-to-input"
  rm -f "$t/hardlink-to-input"
  ln "$input" "$t/hardlink-to-input"
  for out in "$input" "$t/symlink-to-input" "$t/hardlink-to-input" /proc/self/fd/7; do
    local args=()
    for name in "$@"; do args+=("${name//@OUT@/$out}"); done
    exec 7<"$input"
    run "${args[@]}"
    exec 7<&-
    [ "$rc" -eq 2 ] || fail "exit status $rc, expected 2: ${args[*]}"
    expect_one_error_line
    expect_stderr_contains "$out"
    [ "$(sha256sum <"$input")" = "$before" ] || fail "$input changed: ${args[*]}"
  done
  rm -f "$t/symlink-to-input" "$t/hardlink-to-input"
}
