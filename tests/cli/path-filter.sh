#!/bin/bash
# --path P limits the rows to P and what is below it (whole path components only, trailing
# "/" ignored); a path that is not in the image exits 2 with one stderr line.
. "$(dirname "$0")/common.sh"

versions=$(mkfs_versions)
v=$(echo "$versions" | tail -n 1)
make_tree "$t/tree"
: >"$t/tree/subway"  # shares a prefix with /sub but is not below it
mkimage "$v" "$t/img.erofs" "$t/tree"

# paths ARGS...: the paths `inspect --format json ARGS` reports, one per line.
paths() {
  es inspect --format json "$@" "$t/img.erofs" |
    "$PYTHON3" -c 'import json, sys; print("\n".join(f["path"] for f in json.load(sys.stdin)["files"]))'
}

paths >"$t/all"
grep -qx /subway "$t/all"
paths --path /sub >"$t/sub"
printf '%s\n' /sub /sub/big /sub/deeper /sub/deeper/same-2 /sub/link-down /sub/same-1 | cmp - "$t/sub" ||
  fail "--path /sub gave: $(tr '\n' ' ' <"$t/sub")"
paths --path /sub/ | cmp - "$t/sub" || fail "--path /sub/ differs from --path /sub"
paths --path sub | cmp - "$t/sub" || fail "--path sub (no leading slash) differs from --path /sub"
paths --path / | cmp - "$t/all" || fail "--path / differs from no --path"
paths --path /a | cmp - <(echo /a) || fail "--path of a file is not just that file"

# Text output is limited the same way: the superblock block, then a header and one row per path.
es inspect --path /sub "$t/img.erofs" >"$t/text"
rows=$(sed '1,/^MODE /d' "$t/text" | wc -l)
[ "$rows" -eq 6 ] || fail "text output has $rows rows for /sub, expected 6"

for missing in /nope /su /sub/big/x su; do
  expect_exit 2 es inspect --path "$missing" "$t/img.erofs"
  expect_one_error_line
  expect_stderr_contains "$t/img.erofs: no such path in the image: $missing"
done

pass
