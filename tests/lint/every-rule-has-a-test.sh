#!/bin/bash
# Every rule of --list-rules has its own end-to-end test (rule-<id>.sh, registered in
# CMakeLists.txt), so a new rule cannot arrive without an image that triggers it and one that
# does not.
. "$(dirname "$0")/common.sh"

es lint --list-rules --format json >"$t/rules.json"
ids=$("$PYTHON3" -c 'import json, sys; print("\n".join(r["id"] for r in json.load(open(sys.argv[1]))))' "$t/rules.json")
[ "$(echo "$ids" | wc -l)" -ge 13 ] || fail "fewer rules than the issue asks for"
for id in $ids; do
  [ -f "$lintdir/rule-$id.sh" ] || fail "rule $id has no test tests/lint/rule-$id.sh"
  grep -qx "  rule-$id" "$lintdir/CMakeLists.txt" || fail "rule-$id is not registered in tests/lint/CMakeLists.txt"
done
for f in "$lintdir"/rule-*.sh; do
  id=$(basename "$f" .sh)
  id=${id#rule-}
  echo "$ids" | grep -qx "$id" || fail "$f tests a rule that does not exist"
done
pass
