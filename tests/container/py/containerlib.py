"""Shared code of the container tests (tests/container/py/*.py): running scan on container
inputs, validating fixtures with a real OCI tool (skopeo), and comparing every figure of the
JSON report with the model (oci_model.py), collecting every difference before failing."""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scan"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scanlib  # noqa: E402
from scanlib import ES, FIGURES, fail, run  # noqa: E402,F401

SKOPEO = shutil.which("skopeo")


def need_skopeo():
    if not SKOPEO:
        fail("skopeo is not installed (scripts/install-deps.sh installs it): the fixtures must be checked by a real OCI tool")


def skopeo_layers(ref, raw=False):
    """The layer digests skopeo reads from `ref` (oci:DIR:REF, oci-archive:FILE:REF, docker-archive:FILE:TAG)."""
    p = run([SKOPEO, "inspect", ref])
    return json.loads(p.stdout)["Layers"]


def skopeo_copy(ref, dest):
    """`skopeo copy` checks every blob against its digest."""
    shutil.rmtree(dest, ignore_errors=True)
    run([SKOPEO, "copy", "--quiet", ref, "dir:" + dest])


def scan_json(args, env=None):
    p = subprocess.run([ES, "scan", "--no-progress", "--format", "json", *args], capture_output=True, env=env)
    if p.returncode != 0:
        return None, f"exit {p.returncode}: {p.stderr.decode(errors='replace').strip()}"
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, f"stdout is not JSON: {e}"


class Diffs:
    """Every difference between scan and the model, over all cases."""

    def __init__(self):
        self.items = []

    def add(self, case, key, got, want):
        self.items.append(f"{case}: {key}: scan {got!r}, expected {want!r}")

    def eq(self, case, key, got, want):
        if got != want:
            self.add(case, key, got, want)

    def finish(self, name):
        if self.items:
            print(f"{name}: FAILED: {len(self.items)} differences from the model:", file=sys.stderr)
            for i in self.items:
                print("  " + i, file=sys.stderr)
            sys.exit(1)


def compare(d, case, doc, exp):
    """Every figure of `doc` against the model `exp` (oci_model.expected)."""
    try:
        scanlib.validate(doc)
    except SystemExit:
        raise
    except Exception as e:  # jsonschema.ValidationError
        d.add(case, "schema", str(e).splitlines()[0], "valid against share/scan/scan.schema.json")
    t = doc.get("totals", {})
    for k in FIGURES + ["files", "data_bytes"]:
        d.eq(case, f"totals.{k}", t.get(k), exp["totals"][k])
    got_layers = doc.get("layers")
    if not isinstance(got_layers, dict):
        d.add(case, "layers", got_layers, exp["layers"])
    else:
        for k, v in exp["layers"].items():
            d.eq(case, f"layers.{k}", got_layers.get(k), v)
    inputs = doc.get("inputs", [])
    d.eq(case, "len(inputs) (distinct layers)", len(inputs), len(exp["inputs"]))
    for i, (got, want) in enumerate(zip(inputs, exp["inputs"])):
        lid = exp["layer_ids"][i]
        if lid[7:19] not in got.get("name", ""):
            d.add(case, f"inputs[{i}].name (layer order: first use)", got.get("name"), f"...{lid[:19]}...")
        for k in FIGURES + ["files", "paths", "data_bytes", "users", "hidden_files", "hidden_bytes"]:
            d.eq(case, f"inputs[{i}].{k}", got.get(k), want[k])
    got_pairs = {(p["a"], p["b"]): [p["common_bytes"], p["shared_bytes_now"], p["shared_bytes_if_tagged"]]
                 for p in doc.get("pairs", [])}
    for k in sorted(set(got_pairs) | set(exp["pairs"])):
        d.eq(case, f"pairs[{k[0]},{k[1]}] [common, now, if_tagged]", got_pairs.get(k), exp["pairs"].get(k))
    got_groups = {(g["sha256"], g["size"]): g for g in doc.get("groups", [])}
    d.eq(case, "groups (sha256, size)", sorted(got_groups), sorted(exp["groups"]))
    for key, want in exp["groups"].items():
        g = got_groups.get(key)
        if g is None:
            continue
        for k in ("page_bytes", "inputs", "saved_bytes_now", "saved_bytes_if_tagged"):
            d.eq(case, f"group {key[0][:12]}.{k}", g[k], want[k])
        d.eq(case, f"group {key[0][:12]}.copies", [(c["input"], c["paths"]) for c in g["copies"]],
             [(i, list(p)) for i, p in want["copies"]])
    want_io = {(c["input"], c["ino"]["paths"][0]): c["io"] for c in exp["copies"]}
    for g in doc.get("groups", []):
        for c in g["copies"]:
            k = (c["input"], c["paths"][0])
            d.eq(case, f"copy {k} io_class", c.get("io_class"), want_io.get(k))
    got_status = scanlib.statuses(doc)
    for k in sorted(set(got_status) | set(exp["status"]), key=str):
        d.eq(case, f"copy {k} (status, reason)", got_status.get(k), exp["status"].get(k))
    got_reasons = {(r["status"], r["reason"]): [r["copies"], r["bytes"]] for r in doc.get("reasons", [])}
    d.eq(case, "reasons", got_reasons, exp["reasons"])
    images = doc.get("images")
    if not isinstance(images, list):
        d.add(case, "images", images, f"{len(exp['images'])} rows")
        images = []
    d.eq(case, "len(images)", len(images), len(exp["images"]))
    for i, (got, want) in enumerate(zip(images, exp["images"])):
        if want["name"] and want["name"] not in got.get("name", ""):
            d.add(case, f"images[{i}].name", got.get("name"), f"...{want['name']}")
        for k in ("platform", "layers", "files", "cache_bytes", "shared_by_layers", "saved_bytes_now",
                  "saved_bytes_if_tagged"):
            d.eq(case, f"images[{i}].{k}", got.get(k), want[k])
    got_ip = {(p["a"], p["b"]): {k: p.get(k) for k in ("common_layer_bytes", "shared_bytes_now",
                                                        "shared_bytes_if_tagged")}
              for p in doc.get("image_pairs", []) or []}
    for k in sorted(set(got_ip) | set(exp["image_pairs"])):
        d.eq(case, f"image_pairs[{k[0]},{k[1]}]", got_ip.get(k), exp["image_pairs"].get(k))
