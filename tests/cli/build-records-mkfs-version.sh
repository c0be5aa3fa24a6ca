#!/bin/bash
# build records the version of the mkfs.erofs it ran, read from its banner (`mkfs.erofs -V`):
# "mkfs.erofs 1.5" for Debian's 1.5 (whose --help starts with "usage:"), "mkfs.erofs
# (erofs-utils) 1.9.4" for 1.9.4; in the JSON summary (which validates against
# share/schema/build.schema.json) and, after a retrofit, in the text one.
. "$(dirname "$0")/common.sh"

mkdir -p "$t/src"
printf 'hello\n' >"$t/src/a"
versions=$(mkfs_versions)
for v in $versions; do
  var=MKFS_EROFS_$v
  want=$("${!var}" -V 2>/dev/null | head -n 1 || true)
  case $v in
    15) [ "$want" = "mkfs.erofs 1.5" ] || fail "unexpected banner of $var: $want" ;;
    19) [[ $want == "mkfs.erofs (erofs-utils) 1.9"* ]] || fail "unexpected banner of $var: $want" ;;
  esac
  expect_exit 0 es build --format json --mkfs "${!var}" "$t/src" -o "$t/$v.erofs"
  got=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["mkfs"])' "$t/stdout")
  # The summary follows share/schema/build.schema.json (and names the tool's version).
  "$PYTHON3" - "$EROFS_SHARE_SRCDIR/share/schema/build.schema.json" "$t/stdout" "$EROFS_SHARE_EXPECTED_VERSION" <<'PY' ||
import json, sys
import jsonschema
doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(doc)
assert doc["tool"]["version"] == sys.argv[3], doc["tool"]
PY
    fail "build --format json does not match share/schema/build.schema.json"
  [ "$got" = "$want" ] || fail "mkfs $v recorded as '$got', expected '$want'"
  if [ "$v" = 15 ]; then
    expect_exit 0 es build --mkfs "${!var}" "$t/src" -o "$t/$v-text.erofs"
    grep -qF "($want), then retrofitted" "$t/stdout" || fail "text summary lacks the version: $(cat "$t/stdout")"
  fi
done

pass
