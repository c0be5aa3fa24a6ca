#!/bin/bash
# The rule table is written down once (core/lint/rules.cpp) and copied to the man page, its
# markdown source, the default config and the JSON schemas; all must list the same ids, with
# the same default severities and on/off states.
. "$(dirname "$0")/common.sh"

es lint --list-rules --format json >"$t/rules.json"
es lint --list-rules >"$t/rules.txt"
"$PYTHON3" - "$t/rules.json" "$t/rules.txt" "$EROFS_SHARE_SRCDIR" <<'PY' || fail "the rule table and its copies disagree"
import json, re, sys
rules = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read().splitlines()
src = sys.argv[3]
ids = [r["id"] for r in rules]
problems = []
if len(set(ids)) != len(ids):
    problems.append("duplicate ids")
for r in rules:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r["id"]):
        problems.append(f"{r['id']}: not kebab-case")
# The text table has the same rows.
rows = [line.split()[:3] for line in text[1:]]
if rows != [[r["id"], r["severity"], "yes" if r["enabled_by_default"] else "no"] for r in rules]:
    problems.append("text and JSON tables differ")
# Man page (roff) and its markdown source: one paragraph per rule, with severity and state.
roff = open(f"{src}/man/erofs-share-lint.1").read()
md = open(f"{src}/man/erofs-share-lint.1.md").read()
roff = roff[roff.index("\n.SH RULES"):roff.index("\n.SH CONFIGURATION")]
md = md[md.index("\n## RULES"):md.index("\n## CONFIGURATION")]
roff_ids = re.findall(r"^\.BR ([a-z0-9\\-]+) \"", roff, re.M)
roff_ids = [i.replace("\\-", "-") for i in roff_ids]
md_ids = re.findall(r"^`([a-z0-9-]+)` \(", md, re.M)
for name, found in (("man page", roff_ids), ("man page source", md_ids)):
    if found != ids:
        problems.append(f"{name} lists {found}, expected {ids}")
# Each rule's paragraph in the markdown source has an anchor named after its id (SARIF helpUri).
anchors = re.findall(r'^<a id="([a-z0-9-]+)"></a>\n\n`([a-z0-9-]+)` \(', md, re.M)
if [a for a, _ in anchors] != ids or any(a != b for a, b in anchors):
    problems.append(f"man page source anchors {anchors} do not match the rules {ids}")
for r in rules:
    state = f"({r['severity']}" + (")" if r["enabled_by_default"] else ", off by default)")
    if f"`{r['id']}` {state}" not in md:
        problems.append(f"{r['id']}: man page source does not say {state}")
    if f"{r['id'].replace('-', chr(92) + '-')} \" {state}\"" not in roff:
        problems.append(f"{r['id']}: man page does not say {state}")
# Default config and the schemas.
import tomllib
cfg = tomllib.load(open(f"{src}/share/lint/default-config.toml", "rb"))
want = {r["id"]: {"enabled": r["enabled_by_default"], "severity": r["severity"]} for r in rules}
if cfg["rules"] != want:
    problems.append("share/lint/default-config.toml does not match the table")
for schema in ("baseline", "report"):
    enum = json.load(open(f"{src}/share/lint/{schema}.schema.json"))["$defs"]["rule_id"]["enum"]
    if enum != ids:
        problems.append(f"share/lint/{schema}.schema.json rule ids differ")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
pass
