#!/bin/bash
# Every output file is written beside its target and renamed on success: a run that fails
# leaves an existing output exactly as it was and a new one not there at all, with no
# temporary file left behind.
. "$(dirname "$0")/common.sh"

versions=$(mkfs_versions)
v=$(echo "$versions" | tail -n 1)
mkdir -p "$t/tree" "$t/out"
for i in $(seq 1 200); do printf "%s\n" "$i" >"$t/tree/file-with-a-name-long-enough-to-fill-blocks-$i"; done
mkimage "$v" "$t/good.erofs" "$t/tree"
cp "$t/good.erofs" "$t/corrupt.erofs"
"$PYTHON3" "$testdir/corrupt.py" "$t/corrupt.erofs" child-inode >/dev/null

printf 'previous contents\n' >"$t/out/old"
# check_failed CMD...: CMD (with @OLD@ an existing output and @NEW@ a new one) exits non-zero
# and leaves both as they were.
check_failed() {
  local args=() a
  for a in "$@"; do a=${a//@OLD@/$t/out/old}; args+=("${a//@NEW@/$t/out/new}"); done
  run "${args[@]}"
  [ "$rc" -ne 0 ] || fail "succeeded: ${args[*]}"
  [ "$(cat "$t/out/old")" = "previous contents" ] || fail "the existing output changed: ${args[*]}"
  [ "$(ls -A "$t/out")" = old ] || fail "left behind: $(ls -A "$t/out" | tr '\n' ' '): ${args[*]}"
}
for format in text json; do
  check_failed es inspect --format "$format" --digest -o @OLD@ "$t/corrupt.erofs"
  check_failed es inspect --format "$format" --digest -o @NEW@ "$t/corrupt.erofs"
done
for format in text json csv html; do
  check_failed es scan --format "$format" -o @OLD@ "$t/good.erofs" "$t/corrupt.erofs"
done
check_failed es scan --manifest-out "$t/out" "$t/good.erofs" "$t/corrupt.erofs"
check_failed es tag "$t/corrupt.erofs" -o @OLD@
check_failed es tag "$t/corrupt.erofs" --sidecar @NEW@
check_failed es build --mkfs "$(mkfs_any)" "$t/no-such-source" -o @OLD@
# One output that cannot be written stops the run before any other is touched.
check_failed es lint -o @OLD@ --write-baseline "$t/missing/baseline.json" "$t/good.erofs"
check_failed es scan -o @OLD@ --manifest-out /proc/erofs-share-no-such-dir "$t/good.erofs"

# Success replaces the file, keeping its permissions; new reports get the umask's.
chmod 640 "$t/out/old"
expect_exit 0 es scan -o "$t/out/old" "$t/good.erofs"
grep -q 'files' "$t/out/old" || fail "the report was not written"
[ "$(stat -c %a "$t/out/old")" = 640 ] || fail "permissions not kept: $(stat -c %a "$t/out/old")"
(umask 027 && "$EROFS_SHARE" inspect -o "$t/out/new" "$t/good.erofs")
[ "$(stat -c %a "$t/out/new")" = 640 ] || fail "new report mode $(stat -c %a "$t/out/new"), expected 640"
[ "$(ls -A "$t/out" | wc -l)" -eq 2 ] || fail "left behind: $(ls -A "$t/out" | tr '\n' ' ')"

pass
