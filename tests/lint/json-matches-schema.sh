#!/bin/bash
# --format json matches share/lint/report.schema.json in every situation (clean, findings of
# every kind of location, several images, unreadable input, suppressed findings, notes, names
# that are not UTF-8) and is deterministic: the same run twice gives the same bytes.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
printf 'x\n' >"$t/src/$(printf 'bad\xffname')"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/plain.erofs" "$t/src"
cp "$t/fp.erofs" "$t/bad.erofs"
forge flip-fp "$t/bad.erofs" /d 30
forge break-inode "$t/bad.erofs" /c
forge break-checksum "$t/bad.erofs"
cp "$t/fp.erofs" "$t/noroot.erofs"
forge break-inode "$t/noroot.erofs" /
echo '{"accepted": [{"rule": "fingerprints-absent", "reason": "legacy"}, {"rule": "corrupt-inode", "reason": "x", "expires": "2001-01-01"}]}' \
  >"$t/baseline.json"

lint_json "$t/1.json" "$t/fp.erofs"
lint_json_failed "$t/2.json" "$t/bad.erofs" "$t/plain.erofs" "$t/noroot.erofs"
lint_json "$t/3.json" --show-suppressed --baseline "$t/baseline.json" "$t/bad.erofs" "$t/plain.erofs"
lint_json "$t/4.json" --no-verify --min-kernel 5.4 "$t/bad.erofs"
rc=0
es lint --format json "$t/fp.erofs" "$t/missing.erofs" >"$t/5.json" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "missing input: exit $rc"
"$PYTHON3" - "$EROFS_SHARE_SRCDIR/share/lint/report.schema.json" "$t"/[1-5].json <<'PY' || fail "JSON does not match the schema"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
for path in sys.argv[2:]:
    doc = json.load(open(path, encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)
    f = doc["findings"]
    keys = [(x["image"], x["path"] or "", x["rule"], x["message"]) for x in f]
    order = {img["image"]: i for i, img in enumerate(doc["images"])}
    assert [(order[k[0]],) + k[1:] for k in keys] == sorted((order[k[0]],) + k[1:] for k in keys), path
PY
"$PYTHON3" - "$t/5.json" "$t/missing.erofs" "$t/2.json" "$t/noroot.erofs" <<'PY' || fail "input errors are wrong in the JSON"
import json, sys
missing = json.load(open(sys.argv[1]))
assert missing["summary"]["failed"] is True, missing["summary"]
assert [e["input"] for e in missing["input_errors"]] == [sys.argv[2]], missing["input_errors"]
assert "No such file" in missing["input_errors"][0]["error"], missing["input_errors"]
noroot = json.load(open(sys.argv[3]))
assert noroot["summary"]["failed"] is True
assert [e["input"] for e in noroot["input_errors"]] == [sys.argv[4]], noroot["input_errors"]
assert noroot["input_errors"][0]["error"].startswith("cannot open the image: "), noroot["input_errors"]
PY

# Deterministic.
lint_json_failed "$t/2b.json" "$t/bad.erofs" "$t/plain.erofs" "$t/noroot.erofs"
cmp "$t/2.json" "$t/2b.json" || fail "two runs differ"
pass
