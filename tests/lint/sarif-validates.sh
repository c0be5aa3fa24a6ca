#!/bin/bash
# --format sarif validates against the official OASIS SARIF 2.1.0 JSON schema (fetched from
# Debian's librust-serde-sarif-dev package by scripts/sarif-schema.sh, cached), for a clean
# run, findings with and without paths and offsets,
# several images, suppressed findings and names that are not UTF-8; ruleIndex points at the
# right rule and levels follow the policy. Every file also meets GitHub code scanning's upload
# rules ("SARIF support for code scanning"): each rule has id, shortDescription.text,
# fullDescription.text (different texts), help.text and an absolute helpUri naming the rule's
# anchor in the man page; each result has ruleId, message.text, partialFingerprints, at most 10
# locations and locations[0].physicalLocation with artifactLocation.uri and region.startLine >= 1;
# relative URIs use %SRCROOT%, declared in originalUriBaseIds.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
printf 'odd name\n' >"$t/src/$(printf 'caf\xe9 %%20,:')"
mk "$t/fp.erofs" "$t/src" --xattr-inode-digest
mk "$t/plain.erofs" "$t/src"
cp "$t/fp.erofs" "$t/bad.erofs"
forge flip-fp "$t/bad.erofs" /d 30
forge flip-fp "$t/bad.erofs" "/$(printf 'caf\xe9 %%20,:')" 30
forge break-checksum "$t/bad.erofs"
echo '{"accepted": [{"rule": "fingerprints-absent", "reason": "legacy image"}]}' >"$t/baseline.json"

schema=$(bash "$EROFS_SHARE_SRCDIR/scripts/sarif-schema.sh") || fail "could not get the SARIF 2.1.0 schema"

validate() {
  "$PYTHON3" - "$schema" "$EROFS_SHARE_SRCDIR/man/erofs-share-lint.1.md" "$@" <<'PY'
import json, re, sys, urllib.parse, jsonschema
schema = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read()
anchors = set(re.findall(r'^<a id="([a-z0-9-]+)"></a>$', md, re.M))
sys.argv[1:] = sys.argv[2:]
assert schema["$id"].endswith("sarif-schema-2.1.0.json"), schema["$id"]
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
# The validator must be able to fail: a result without a message is invalid SARIF.
broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}]}
assert not validator.is_valid(broken), "the schema accepts a result without a message"
for path in sys.argv[2:]:
    doc = json.load(open(path, encoding="utf-8"))
    validator.validate(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        short, full = rule["shortDescription"]["text"], rule["fullDescription"]["text"]
        assert short and full and short != full, rule
        assert len(full) > len(short), rule
        assert rule["help"]["text"], rule
        uri = urllib.parse.urlparse(rule["helpUri"])
        assert uri.scheme == "man" and uri.fragment == rule["id"], rule["helpUri"]
        assert rule["id"] in anchors, f"{rule['id']}: no anchor in the man page source"
    bases = run.get("originalUriBaseIds", {})
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"], r
        assert r["ruleId"] and r["message"]["text"], r
        assert r["partialFingerprints"], r
        assert 1 <= len(r["locations"]) <= 10, r
        phys = r["locations"][0]["physicalLocation"]
        art = phys["artifactLocation"]
        assert art["uri"], r
        assert isinstance(phys["region"]["startLine"], int) and phys["region"]["startLine"] >= 1, r
        assert "byteOffset" not in phys["region"], r
        scheme = urllib.parse.urlparse(art["uri"]).scheme
        if scheme:
            assert scheme == "file" and "uriBaseId" not in art, art
        else:
            assert not art["uri"].startswith("/") and not art["uri"].startswith("../"), art
            assert art["uriBaseId"] == "%SRCROOT%" and bases["%SRCROOT%"]["uri"].endswith("/"), (art, bases)
        for rel in r.get("relatedLocations", []):
            assert rel["physicalLocation"]["artifactLocation"] == art, r
PY
}

expect_exit 0 es lint --format sarif -o "$t/clean.sarif" "$t/fp.erofs"
expect_exit 1 es lint --format sarif -o "$t/bad.sarif" "$t/bad.erofs" "$t/plain.erofs"
expect_exit 0 es lint --format sarif --show-suppressed --baseline "$t/baseline.json" -o "$t/suppressed.sarif" "$t/plain.erofs"
# An image outside the current directory: an absolute file:// URI (no base). The same image
# given by an absolute path from its own directory, and by a relative one: relative to
# %SRCROOT%, which originalUriBaseIds resolves to that directory.
tabs=$(cd "$t" && pwd)
(cd / && "$EROFS_SHARE" lint --format sarif --severity-threshold error --enable fingerprint-name-nondefault \
  -o "$tabs/abs.sarif" "$tabs/fp.erofs") || fail "lint from / failed"
(cd "$t" && "$EROFS_SHARE" lint --format sarif --severity-threshold none -o rel.sarif "$tabs/bad.erofs" plain.erofs) ||
  fail "lint in the scratch dir failed"
validate "$t/clean.sarif" "$t/bad.sarif" "$t/suppressed.sarif" "$t/abs.sarif" "$t/rel.sarif" ||
  fail "SARIF does not validate or breaks GitHub's upload rules"
"$PYTHON3" - "$t/rel.sarif" "$tabs" <<'PY' || fail "relative artifact locations are wrong"
import json, sys, urllib.parse
run = json.load(open(sys.argv[1]))["runs"][0]
base = urllib.parse.unquote(urllib.parse.urlparse(run["originalUriBaseIds"]["%SRCROOT%"]["uri"]).path)
assert base == sys.argv[2] + "/", base
uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
assert uris == {"bad.erofs", "plain.erofs"}, uris
PY

"$PYTHON3" - "$t/bad.sarif" "$t/suppressed.sarif" <<'PY' || fail "SARIF content is wrong"
import json, sys
bad = json.load(open(sys.argv[1]))["runs"][0]
levels = {(r["ruleId"], r["level"]) for r in bad["results"]}
assert ("fingerprint-mismatch", "error") in levels, levels
assert ("fingerprints-absent", "warning") in levels, levels
assert ("superblock-checksum", "error") in levels, levels
checksum = [r for r in bad["results"] if r["ruleId"] == "superblock-checksum"][0]
assert checksum["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}, checksum
assert checksum["relatedLocations"][0]["physicalLocation"]["region"]["byteOffset"] == 1028, checksum
assert checksum["properties"]["offset"] == 1028, checksum
mismatch = [r for r in bad["results"] if r["ruleId"] == "fingerprint-mismatch"]
assert {m["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for m in mismatch} >= {"/d"}, mismatch
assert all(r["partialFingerprints"] for r in bad["results"])
assert len({json.dumps(r["partialFingerprints"]) for r in bad["results"]}) == len(bad["results"])
sup = json.load(open(sys.argv[2]))["runs"][0]["results"]
assert sup and sup[0]["suppressions"] == [{"kind": "external", "justification": "legacy image"}], sup
PY
grep -q '"uri": "file:///' "$t/abs.sarif" || fail "absolute image paths are not file:// URIs"
pass
