#!/bin/bash
# Every subcommand run with --format json on a failing input (and after a usage error found
# once --format was read) exits 2, keeps its one-line error on stderr and prints one JSON
# object with an `error` (message, kind, exit_status) and the tool's name and version on
# stdout, valid against share/schema/error.schema.json (lint: the error object sits in its
# report, valid against share/lint/report.schema.json). erofs-share(1) CONVENTIONS.
. "$(dirname "$0")/common.sh"

"$PYTHON3" -c 'import jsonschema' 2>/dev/null ||
  fail "$PYTHON3 cannot import jsonschema (apt-get install python3-jsonschema)"
printf 'not an image\n%.0s' $(seq 500) >"$t/junk.img"
mkdir -p "$t/src" && printf 'x\n' >"$t/src/a"

n=0
# check WANT-KIND SCHEMA CMD...: runs CMD, which must fail with exit 2 and an error object.
check() {
  local kind=$1 schema=$2
  shift 2
  expect_exit 2 es "$@"
  [ "$(wc -l <"$t/stderr")" -eq 1 ] || fail "$*: stderr has $(wc -l <"$t/stderr") lines, expected 1"
  n=$((n + 1))
  cp "$t/stdout" "$t/out-$n.json"
  cp "$t/stderr" "$t/err-$n.txt"
  printf '%s\n%s\n%s\n' "$kind" "$schema" "$*" >"$t/args-$n"
}

error_schema=$EROFS_SHARE_SRCDIR/share/schema/error.schema.json
lint_schema=$EROFS_SHARE_SRCDIR/share/lint/report.schema.json
check corrupt_image "$error_schema" inspect --format json "$t/junk.img"
check input "$lint_schema" lint --format json "$t/junk.img"
check error "$error_schema" scan --format json "$t/junk.img"  # not any input kind it knows
check corrupt_image "$error_schema" tag --format json "$t/junk.img" -o "$t/out.img"
check io "$error_schema" inspect --format json "$t/no-such.img"
check usage "$error_schema" build --format json --mkfs "$(mkfs_any)" "$t/src" -o "$t/no-such-dir/out.img"
check error "$error_schema" smoke --format json --work-dir /proc/erofs-share-no-such-dir "$t/junk.img"
# Usage errors after --format json was read, from CLI11 and from the commands.
check usage "$error_schema" scan --format json --page-size many "$t/junk.img"
check usage "$error_schema" lint --format json --min-kernel soon "$t/junk.img"
check usage "$error_schema" tag --format json "$t/junk.img"
check usage "$error_schema" build --format=json
check usage "$error_schema" smoke --format json --no-such-option

"$PYTHON3" - "$t" "$n" "$EROFS_SHARE_EXPECTED_VERSION" <<'PY'
import json, sys
import jsonschema

t, n, version = sys.argv[1], int(sys.argv[2]), sys.argv[3]
bad = 0
for i in range(1, n + 1):
    kind, schema_path, args = open(f"{t}/args-{i}").read().split("\n")[:3]
    text = open(f"{t}/out-{i}.json").read()
    stderr = open(f"{t}/err-{i}.txt").read()
    try:
        doc = json.loads(text)
        jsonschema.Draft202012Validator(json.load(open(schema_path))).validate(doc)
        err = doc["error"]
        assert err["kind"] == kind, f"kind {err['kind']}, expected {kind}"
        assert err["exit_status"] == 2, f"exit_status {err['exit_status']}"
        assert err.get("command") == args.split()[0], f"command {err.get('command')}"
        assert doc["tool"]["version"] == version, f"tool {doc['tool']}"
        if "name" in doc["tool"] and kind != "input":
            assert doc["tool"]["name"] == "erofs-share"
        # The same message as the stderr line (which escapes names; these have none).
        if kind != "input":
            assert stderr == f"erofs-share: {err['message']}\n", f"stderr {stderr!r} vs {err['message']!r}"
            assert text.count("\n") == 1, "not one line"
        if kind == "usage":
            assert err["message"].endswith("(see --help)"), f"usage error without (see --help): {err['message']}"
    except Exception as e:  # report every failing case
        print(f"{args}: {e.__class__.__name__}: {e}\n  stdout: {text[:300]!r}", file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
pass
