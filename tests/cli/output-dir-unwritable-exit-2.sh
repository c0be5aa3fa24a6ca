#!/bin/bash
# An output whose directory is missing or takes no new file (/proc; a read-only directory
# for a user that is not root), or that is an existing directory, fails before any work:
# one error line naming the output, exit 2. The input given is not an image, so a check made
# after reading it would report that instead.
. "$(dirname "$0")/common.sh"

printf 'not an image\n%.0s' $(seq 500) >"$t/junk.img"
mkdir -p "$t/src" "$t/dir"
printf 'x\n' >"$t/src/a"
outs=("$t/missing/out" "/proc/erofs-share-no-such-file" "$t/dir")
if [ "$(id -u)" != 0 ]; then
  mkdir "$t/ro" && chmod 555 "$t/ro"
  outs+=("$t/ro/out")
fi

for out in "${outs[@]}"; do
  for cmd in "scan -o" "scan --manifest-out" "scan --manifest-cache" "lint -o" "lint --write-baseline" \
             "inspect -o" "tag -o" "tag --sidecar" "smoke --work-dir"; do
    # --manifest-out, --manifest-cache and --work-dir are directories, made with their parents
    # when missing.
    case $cmd in
      *-out | *-cache | *-dir) [ "$out" = /proc/erofs-share-no-such-file ] || continue ;;
    esac
    read -r sub option <<<"$cmd"
    run timeout 10 "$EROFS_SHARE" "$sub" "$option" "$out" "$t/junk.img"
    [ "$rc" -eq 2 ] || fail "exit status $rc, expected 2: $cmd $out"
    expect_one_error_line
    expect_stderr_contains "$option $out: "
    if grep -qF 'not an EROFS image' "$t/stderr"; then fail "$cmd $out: the input was read first"; fi
  done
  run es build --mkfs "$(mkfs_any)" "$t/src" -o "$out"
  [ "$rc" -eq 2 ] || fail "exit status $rc, expected 2: build -o $out"
  expect_one_error_line
  expect_stderr_contains "-o $out: "
done
[ "$(id -u)" = 0 ] || chmod 755 "$t/ro"
[ -z "$(ls -A "$t/dir")" ] || fail "something was written into $t/dir: $(ls -A "$t/dir")"
[ "$(ls -A "$t/src")" = a ] || fail "something was written into $t/src: $(ls -A "$t/src")"

pass
