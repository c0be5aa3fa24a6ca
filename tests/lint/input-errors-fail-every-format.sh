#!/bin/bash
# `lint GOOD MISSING` (and GOOD ZEROS, a file that is not EROFS): exit status 2 and every
# output format says the run failed and names the input with its error: text (FAILED and an
# error line), JSON (summary.failed, input_errors), GitHub (::error on the input, "failed"),
# SARIF (an error toolExecutionNotification, executionSuccessful false; schema-valid) and
# JUnit (an <error> test case), GitLab (a blocker issue input-error on the input). A clean run
# says it passed in each of them.
. "$(dirname "$0")/common.sh"

make_lint_tree "$t/src"
mk "$t/good.erofs" "$t/src" --xattr-inode-digest
head -c 8192 /dev/zero >"$t/zeros.img"
schema=$(bash "$EROFS_SHARE_SRCDIR/scripts/sarif-schema.sh") || fail "could not get the SARIF 2.1.0 schema"

for bad in "$t/missing.erofs" "$t/zeros.img"; do
  case $bad in *missing*) why='No such file' ;; *) why='not an EROFS image' ;; esac
  for format in text json github sarif junit gitlab; do
    expect_exit 2 es lint --format "$format" -o "$t/out.$format" "$t/good.erofs" "$bad"
    [ "$(wc -l <"$t/stderr")" -eq 1 ] || fail "$format: stderr has $(wc -l <"$t/stderr") lines"
    expect_stderr_contains "erofs-share: $bad: " "$why"
  done
  grep -q "^error: $bad: .*$why" "$t/out.text" || fail "text: no error line for $bad"
  tail -n 1 "$t/out.text" | grep -q '; FAILED (1 input could not be read)$' || fail "text verdict: $(tail -n 1 "$t/out.text")"
  grep -q 'passed' "$t/out.text" && fail "text says passed"
  grep -q "^::error file=$bad,title=erofs-share lint%3A input error::$bad: .*$why" "$t/out.github" ||
    fail "github: no ::error for $bad"
  tail -n 1 "$t/out.github" | grep -q ', 1 inputs unreadable; failed$' || fail "github summary: $(tail -n 1 "$t/out.github")"
  "$PYTHON3" - "$t/out" "$bad" "$why" "$schema" <<'PY' || fail "JSON, SARIF or JUnit do not say failed for $bad"
import json, sys, jsonschema
import xml.etree.ElementTree as ET
out, bad, why, schema = sys.argv[1:]
j = json.load(open(out + ".json"))
assert j["summary"]["failed"] is True, j["summary"]
assert len(j["input_errors"]) == 1 and j["input_errors"][0]["input"] == bad, j["input_errors"]
assert why in j["input_errors"][0]["error"], j["input_errors"]
s = json.load(open(out + ".sarif"))
jsonschema.Draft7Validator(json.load(open(schema))).validate(s)
inv = s["runs"][0]["invocations"]
assert len(inv) == 1 and inv[0]["executionSuccessful"] is False, inv
n = inv[0]["toolExecutionNotifications"]
assert len(n) == 1 and n[0]["level"] == "error" and why in n[0]["message"]["text"], n
assert n[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(bad.rsplit("/", 1)[1]), n
root = ET.parse(out + ".junit").getroot()
assert root.get("errors") == "1", root.attrib
errors = [(c.get("classname"), e.get("message")) for c in root.iter("testcase") for e in c.findall("error")]
assert len(errors) == 1 and errors[0][0] == bad and why in errors[0][1], errors
gl = [i for i in json.load(open(out + ".gitlab")) if i["check_name"] == "input-error"]
assert len(gl) == 1 and gl[0]["severity"] == "blocker" and why in gl[0]["description"], gl
PY
done

# The same outputs of a clean run say it passed.
for format in text json github sarif junit gitlab; do
  expect_exit 0 es lint --format "$format" -o "$t/out.$format" "$t/good.erofs"
done
tail -n 1 "$t/out.text" | grep -q '; passed (nothing at or above warning)$' || fail "clean text verdict"
tail -n 1 "$t/out.github" | grep -q ' accepted; passed$' || fail "clean github summary"
"$PYTHON3" - "$t/out" <<'PY' || fail "a clean run does not say it passed"
import json, sys
import xml.etree.ElementTree as ET
j = json.load(open(sys.argv[1] + ".json"))
assert j["summary"]["failed"] is False and j["input_errors"] == [], j
inv = json.load(open(sys.argv[1] + ".sarif"))["runs"][0]["invocations"]
assert inv == [{"executionSuccessful": True, "toolExecutionNotifications": []}], inv
assert ET.parse(sys.argv[1] + ".junit").getroot().get("errors") == "0"
assert json.load(open(sys.argv[1] + ".gitlab")) == []
PY
pass
