#!/bin/bash
# Machine output is stable: two runs over one image are byte-identical (JSON and text, with
# --digest), `files` is sorted by path in byte order, and two images built from the same tree
# with the same options give the same JSON apart from the "image" name.
. "$(dirname "$0")/common.sh"

versions=$(mkfs_versions)
v=$(echo "$versions" | tail -n 1)
make_tree "$t/tree"
# Names whose byte order differs from a locale's collation order.
mkdir "$t/tree/Order"
for name in b B a A _ 1 a.b a-b ab 'z z' é; do : >"$t/tree/Order/$name"; done
mkimage "$v" "$t/one.erofs" "$t/tree"
mkimage "$v" "$t/two.erofs" "$t/tree"

for format in json text; do
  es inspect --format "$format" --digest "$t/one.erofs" >"$t/run1.$format"
  es inspect --format "$format" --digest "$t/one.erofs" >"$t/run2.$format"
  cmp "$t/run1.$format" "$t/run2.$format" || fail "two $format runs differ"
done
es inspect --format json --digest "$t/two.erofs" >"$t/other.json"

"$PYTHON3" - "$t/run1.json" "$t/other.json" <<'PY'
import json, sys
one, two = (json.load(open(p)) for p in sys.argv[1:3])
paths = [f["path"] for f in one["files"]]
if paths != sorted(paths, key=lambda p: p.encode()):
    sys.exit(f"files not sorted by path: {paths}")
if len(set(paths)) != len(paths):
    sys.exit("duplicate paths")
one["superblock"].pop("image"), two["superblock"].pop("image")
if one != two:
    sys.exit("two builds of the same tree give different reports")
PY
# Layout: schema_version first, then the tool and the superblock on one line each, then one line per shared
# xattr and one line per file.
nrows=$("$PYTHON3" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(len(d["files"]) + len(d["shared_xattrs"]))' "$t/run1.json")
head -n 2 "$t/run1.json" | cmp - <(printf '{\n  "schema_version": 2,\n') || fail "unexpected JSON layout"
[ "$(grep -c '^    {"' "$t/run1.json")" -eq "$nrows" ] || fail "files are not one per line"
[ "$(wc -l <"$t/run1.json")" -eq $((nrows + 9)) ] || fail "unexpected number of JSON lines"

pass
