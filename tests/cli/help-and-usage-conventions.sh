#!/bin/bash
# erofs-share(1) CONVENTIONS for the command line itself: usage errors end with
# "(see --help)"; an unknown command lists the commands; help shows each placeholder once
# (no "IMAGE TEXT", "TEXT TEXT" or bare CLI11 type names); --device takes one value per use,
# so the argument after it stays positional, in every command that has it.
. "$(dirname "$0")/common.sh"

es --help >"$t/help"
commands=$(sed -n '/^Subcommands:/,/^$/p' "$t/help" | grep -oE '^  [a-z][a-z0-9-]*' | tr -d ' ')

run es frobnicate
[ "$rc" -eq 2 ] || fail "unknown command: exit $rc"
expect_one_error_line
for cmd in $commands; do expect_stderr_contains "$cmd"; done
expect_stderr_contains "unknown command 'frobnicate'"
grep -q '(see --help)$' "$t/stderr" || fail "no (see --help): $(cat "$t/stderr")"

# Usage errors, from the parser and from the commands.
printf 'not an image\n' >"$t/junk.img"
while read -r line; do
  # shellcheck disable=SC2086  # a list of words
  run es $line
  [ "$rc" -eq 2 ] || fail "$line: exit $rc, expected 2"
  expect_one_error_line
  grep -q '(see --help)$' "$t/stderr" || fail "$line: no (see --help): $(cat "$t/stderr")"
done <<EOF2
scan
scan --no-such-option $t/junk.img
scan --format yaml $t/junk.img
lint
lint --min-kernel soon $t/junk.img
inspect
tag $t/junk.img
tag --tree $t --in-place
build
smoke --accel warp
scan --device nonsense $t/junk.img
EOF2

# Each placeholder once.
for cmd in $commands; do
  es "$cmd" --help >"$t/help-$cmd"
  if grep -nE '\b(TEXT|UINT|INT|FLOAT)\b' "$t/help-$cmd" >"$t/bad"; then fail "$cmd --help shows CLI11 type names: $(cat "$t/bad")"; fi
  if grep -nE '^ +[^ ]*\b([A-Z][A-Z_=-]*) \1\b' "$t/help-$cmd" >"$t/bad"; then fail "$cmd --help repeats a placeholder: $(cat "$t/bad")"; fi
done

# --device: one value per use, the next argument is an input.
mkdir -p "$t/src" && printf 'x\n' >"$t/src/a"
mkimage "$(mkfs_versions | tail -n 1)" "$t/img.erofs" "$t/src"
for cmd in $commands; do
  grep -qE '^ +--device ' "$t/help-$cmd" || continue
  case $cmd in
    inspect | lint | tag) dev=$t/no-such-device ;;
    *) dev=$t/img.erofs=$t/no-such-device ;;
  esac
  extra=()
  [ "$cmd" != tag ] || extra=(-o "$t/out.erofs")
  run env -u EROFS_SHARE_KERNEL "$EROFS_SHARE" "$cmd" --device "$dev" "$t/img.erofs" "${extra[@]}"
  if grep -qE 'is required|expected IMAGE=FILE|Expected' "$t/stderr"; then
    fail "$cmd --device took the next argument too: $(cat "$t/stderr")"
  fi
done

pass
