#!/usr/bin/env python3
"""scan as a CI gate: every --fail-if rule kind once passing (exit 0) and once failing (exit 1,
the rule named on stderr in one line), thresholds taken from the JSON report of the same scan;
the report is still written in full, with a "gate" object in JSON (schema-valid). --baseline: the lost sharing and the inputs removed are
said on stderr, lost>SIZE gates on it, and a file that is not a scan report exits 2 in one
line. Unknown reasons and malformed rules are usage errors (exit 2) before any work."""
import json
import os
import re
import subprocess

import scanlib
from scanlib import ES, fail, run

t = scanlib.setup()
trees = scanlib.make_trees(os.path.join(t, "trees"))
a = scanlib.mkfs(19, os.path.join(t, "a.erofs"), trees["A"], "--xattr-inode-digest")
b = scanlib.mkfs(19, os.path.join(t, "b.erofs"), trees["B"], "--xattr-inode-digest")
u = scanlib.mkfs(19, os.path.join(t, "u.erofs"), trees["C"])  # untagged
d = scanlib.mkfs(19, os.path.join(t, "d.erofs"), trees["C"], "--xattr-inode-digest")
inputs = ["--domain", f"{d}=other", a, b, u, d]


def scan(*args):
    p = subprocess.run([ES, "scan", "--no-progress", "--format", "json", *args], capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode()


rc, out, err = scan(*inputs)
if rc != 0:
    fail(f"plain scan exited {rc}: {err}")
report = json.loads(out)
scanlib.validate(report)
tot = report["totals"]
whole = tot["cache_bytes_without_sharing"]
now = tot["saved_bytes_now"]
would = tot["saved_bytes_if_tagged"] - now
if not (0 < now < whole and 0 < would < whole):
    fail(f"fixture: saved now {now}, would share {would} of {whole}; the test needs both strictly between 0 and all")
pct_now = 100.0 * now / whole
pct_would = 100.0 * would / whole

# The valid reason names, as the usage error for an unknown one lists them.
rc, out, err = scan("--fail-if", "blocked:no_such_reason", *inputs)
if rc != 2 or len(err.strip().splitlines()) != 1 or "--fail-if blocked:no_such_reason" not in err:
    fail(f"unknown reason: exit {rc}, stderr {err!r}; expected exit 2 and one line naming the rule")
reasons = set(re.findall(r"[a-z_]+", err.split("the reasons are:", 1)[-1].split("(see --help)")[0]))
present = {(x["status"], x["reason"]) for x in report["reasons"]}
if not {r for _, r in present if r} <= reasons:
    fail(f"the usage error lists {sorted(reasons)}, but the report has reasons {sorted(present)}")
blocked = sorted(r for s, r in present if s == "blocked")
not_now = sorted(r for s, r in present if s != "shares_now" and r)
if not blocked or not [r for r in not_now if r not in blocked]:
    fail(f"fixture: the report's reasons {sorted(present)} need a blocked one and a would-share-once-tagged one")
absent = sorted(reasons - set(not_now))[0]


def gate(rule, expect, *extra):
    rc, out, err = scan("--fail-if", rule, *extra, *inputs)
    lines = [l for l in err.splitlines() if l.startswith(f"erofs-share: --fail-if {rule}:")]
    if expect == 0 and (rc != 0 or lines):
        fail(f"--fail-if {rule}: exit {rc}, expected 0 (pass); stderr {err!r}")
    if expect == 1 and (rc != 1 or len(lines) != 1):
        fail(f"--fail-if {rule}: exit {rc}, expected 1 and one stderr line naming the rule; stderr {err!r}")
    doc = json.loads(out)
    scanlib.validate(doc)
    g = doc.pop("gate", None)
    if g != {"failed": bool(expect), "rules": [dict({"rule": rule, "failed": bool(expect)},
                                                  **({"message": lines[0].split(": ", 2)[2]} if expect else {}))]}:
        fail(f"--fail-if {rule}: JSON gate object {g} does not match exit {expect} and stderr {err!r}")
    if doc != report:
        fail(f"--fail-if {rule}: the report differs from the one without the gate")
    return lines


gate(f"saved-now<{pct_now / 2:.4f}%", 0)
line = gate(f"saved-now<{(pct_now + 100) / 2:.4f}%", 1)[0]
if f"{pct_now:.1f}%" not in line:
    fail(f"the failed rule does not say the saving now ({pct_now:.1f}%): {line!r}")
gate(f"saved-now<{now}", 0)
gate(f"saved-now<{now + 1}B", 1)
gate(f"saved-now<{(now + 1023) // 1024 + 1}KiB", 1)
gate(f"would-share>{(pct_would + 100) / 2:.4f}%", 0)
gate(f"would-share>{pct_would / 2:.4f}%", 1)
gate(f"would-share>{would}", 0)
gate(f"would-share>{would - 1}", 1)
gate(f"blocked:{[r for r in reasons if r not in blocked][0]}", 0)
gate(f"blocked:{blocked[0]}", 1)
gate(f"not-now:{absent}", 0)
gate(f"not-now:{[r for r in not_now if r not in blocked][0]}", 1)
# Several rules: each failed one named, exit 1.
rc, out, err = scan("--fail-if", f"saved-now<{now + 1}", "--fail-if", f"would-share>{would}",
                    "--fail-if", f"blocked:{blocked[0]}", *inputs)
if rc != 1 or len([l for l in err.splitlines() if "--fail-if" in l]) != 2:
    fail(f"two of three rules failing: exit {rc}, stderr {err!r}")

# --baseline: the full set is the baseline; without b.erofs the saving now drops.
base = os.path.join(t, "base.json")
with open(base, "wb") as f:
    f.write(run([ES, "scan", "--no-progress", "--format", "json", *inputs]).stdout)
fewer = ["--domain", f"{d}=other", a, u, d]
rc, out, err = scan(*fewer)
smaller = json.loads(out)
lost = now - smaller["totals"]["saved_bytes_now"]
if lost <= 0:
    fail(f"fixture: leaving out b.erofs should lose sharing now, lost {lost}")
for rule, expect in ((f"lost>{lost}", 0), (f"lost>{lost - 1}", 1)):
    rc, out, err = scan("--baseline", base, "--fail-if", rule, *fewer)
    named = [l for l in err.splitlines() if l.startswith(f"erofs-share: --fail-if {rule}:")]
    if rc != expect or len(named) != expect:
        fail(f"--fail-if {rule}: exit {rc}, expected {expect}; stderr {err!r}")
    said = [l for l in err.splitlines() if l.startswith("erofs-share: this image set ")]
    if len(said) != 1 or "lost" not in said[0].split(" and ")[0] or "1 input(s) added" in said[0] or b not in said[0]:
        fail(f"--baseline: expected one line saying sharing was lost and {b} removed: {err!r}")
    doc = json.loads(out)
    scanlib.validate(doc)
    g = doc.pop("gate", {})
    want = {"saved_bytes_now_change": -lost,
            "saved_bytes_if_tagged_change": smaller["totals"]["saved_bytes_if_tagged"] - tot["saved_bytes_if_tagged"],
            "inputs_added": [], "inputs_removed": [b]}
    if g.get("baseline") != want or g.get("failed") != bool(expect):
        fail(f"--baseline: JSON gate object {g}, expected failed {bool(expect)} and baseline {want}")
    if doc != smaller:
        fail("--baseline changed the report")
rc, out, err = scan("--baseline", base, *inputs)
if rc != 0 or "kept its sharing now and kept its sharing once tagged since the baseline; 0 input(s) added, 0 removed" not in err:
    fail(f"a scan equal to its baseline: exit {rc}, stderr {err!r}")

# Not a scan report, no baseline for lost>, malformed rules: exit 2, one line, no report.
text_report = os.path.join(t, "report.txt")
with open(text_report, "wb") as f:
    f.write(run([ES, "scan", "--no-progress", a]).stdout)
other_json = os.path.join(t, "other.json")
with open(other_json, "w") as f:
    json.dump({"schema_version": 1, "findings": []}, f)
for args in (["--baseline", text_report], ["--baseline", other_json], ["--baseline", os.path.join(t, "missing.json")],
             ["--fail-if", "lost>1M"], ["--fail-if", "saved-now>20%"], ["--fail-if", "saved-now<20"+"%%"],
             ["--fail-if", "would-share>1XB"], ["--fail-if", "fast"]):
    p = subprocess.run([ES, "scan", "--no-progress", *args, a], capture_output=True)
    err = p.stderr.decode()
    if p.returncode != 2 or p.stdout or len(err.strip().splitlines()) != 1:
        fail(f"{args}: exit {p.returncode}, {len(p.stdout)} bytes of report, stderr {err!r}; expected exit 2, one line")
scanlib.passed()
