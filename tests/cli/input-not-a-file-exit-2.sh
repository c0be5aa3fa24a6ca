#!/bin/bash
# Inputs that are neither regular files nor block devices (directories only where a command
# takes a tree) are refused before they are read: a FIFO, a socket and character devices
# (/dev/zero, /dev/null) give one error line naming the input and exit 2, at once (a FIFO
# without a writer would otherwise block forever; /dev/zero would read as an empty tar).
. "$(dirname "$0")/common.sh"

mkdir -p "$t/tree"
printf 'shared\n' >"$t/tree/a"
mkimage "$(mkfs_versions | tail -n 1)" "$t/a.erofs" "$t/tree"
mkfifo "$t/fifo"
"$PYTHON3" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$t/socket"
ln -s fifo "$t/link-to-fifo"

# refused CMD...: exit 2 within the time limit, one error line naming the input.
refused() {
  local input=$1
  shift
  run timeout 10 "$EROFS_SHARE" "$@"
  [ "$rc" -ne 124 ] || fail "timed out (blocked on $input): $*"
  [ "$rc" -eq 2 ] || fail "exit status $rc, expected 2: $*"
  expect_one_error_line
  expect_stderr_contains "$input: "
}

for input in "$t/fifo" "$t/link-to-fifo" "$t/socket" /dev/zero /dev/null; do
  case $input in
    *fifo) kind="a FIFO" ;;
    *socket) kind="a socket" ;;
    *) kind="a character device" ;;
  esac
  refused "$input" inspect "$input"
  expect_stderr_contains "$kind is not an input"
  refused "$input" inspect --device "$input" "$t/a.erofs"
  refused "$input" lint "$input"
  refused "$input" lint --format sarif "$t/a.erofs" "$input"
  refused "$input" lint --device "$input" "$t/a.erofs"
  refused "$input" lint --config "$input" "$t/a.erofs"
  refused "$input" lint --baseline "$input" "$t/a.erofs"
  refused "$input" scan "$input"
  refused "$input" scan --format json "$t/a.erofs" "$input"
  refused "$input" scan --device "$t/a.erofs=$input" "$t/a.erofs"
  refused "$input" tag "$input" -o "$t/out.erofs"
  refused "$input" tag "$t/a.erofs" --device "$input" -o "$t/out.erofs"
  refused "$input" build --mkfs "$(mkfs_any)" "$input" -o "$t/out.erofs"
done
[ ! -e "$t/out.erofs" ] || fail "an output was written"

# Directories are inputs only where a tree is: scan and build take one, inspect does not.
refused "$t/tree" inspect "$t/tree"
expect_exit 0 es scan "$t/tree"

pass
