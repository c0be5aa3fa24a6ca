#!/bin/bash
# The same finding (rule, path, message) in several images: the text report lists it once,
# "in 3 images: a, b, c", in an "in several images" block; JSON findings and SARIF results stay
# one per image and share a group id (JSON "group", SARIF properties.group). A finding of one
# image only has no group and stays in its image's block.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
for n in a b c; do
  cp "$t/fp.erofs" "$t/$n.erofs"
  forge flip-fp "$t/$n.erofs" /d 30      # the same forged file in three images
done
forge flip-fp "$t/a.erofs" /b 30          # and one only in a

expect_exit 1 es lint "$t/a.erofs" "$t/b.erofs" "$t/c.erofs" "$t/fp.erofs"
cp "$t/stdout" "$t/report.txt"
n=$(grep -c '^    /d: ' "$t/report.txt" || true)
[ "$n" -eq 1 ] || fail "/d is listed $n times, expected once:$(cat "$t/report.txt")"
grep -q "^    /d: .* in 3 images: $t/a.erofs, $t/b.erofs, $t/c.erofs\$" "$t/report.txt" ||
  fail "no 'in 3 images' line: $(cat "$t/report.txt")"
grep -q '^in several images: 1 finding$' "$t/report.txt" || fail "no 'in several images' block"
grep -q '^    /b: ' "$t/report.txt" || fail "the finding of one image is not listed"
grep '^    /b: ' "$t/report.txt" | grep -q 'images:' && fail "the finding of one image is grouped"

lint_json "$t/report.json" "$t/a.erofs" "$t/b.erofs" "$t/c.erofs" "$t/fp.erofs"
expect_exit 1 es lint --format sarif -o "$t/report.sarif" "$t/a.erofs" "$t/b.erofs" "$t/c.erofs" "$t/fp.erofs"
"$PYTHON3" - "$t/report.json" "$t/report.sarif" "$EROFS_SHARE_SRCDIR/share/lint/report.schema.json" <<'PY' ||
import json, re, sys, jsonschema
doc = json.load(open(sys.argv[1]))
jsonschema.validate(doc, json.load(open(sys.argv[3])))
mism = [f for f in doc["findings"] if f["rule"] == "fingerprint-mismatch"]
d = [f for f in mism if f["path"] == "/d"]
assert len(d) == 3, d
assert len({f["group"] for f in d}) == 1 and re.fullmatch("[0-9a-f]{16}", d[0]["group"]), d
assert {f["image"].rsplit("/", 1)[1] for f in d} == {"a.erofs", "b.erofs", "c.erofs"}, d
b = [f for f in mism if f["path"] == "/b"]
assert len(b) == 1 and "group" not in b[0], b
res = [r for r in json.load(open(sys.argv[2]))["runs"][0]["results"] if r["ruleId"] == "fingerprint-mismatch"]
sd = [r for r in res if r["properties"]["path"] == "/d"]
assert len(sd) == 3 and {r["properties"]["group"] for r in sd} == {d[0]["group"]}, sd
assert all("group" not in r["properties"] for r in res if r["properties"]["path"] == "/b"), res
PY
  fail "JSON or SARIF groups are wrong"
pass
