#!/usr/bin/env python3
"""lint and inspect read the EROFS layers of container inputs (issue 14).

An OCI layout with one tar layer and one EROFS-native layer (application/vnd.erofs.layer.v1,
made by the real mkfs.erofs >= 1.9 with containerd's differ options from a tar):
- lint oci:DIR lints the EROFS layer, names it in the report, and notes the tar layer;
  the same for the layout detected without the prefix and for an OCI archive of it;
- a file whose content no longer matches its fingerprint (bytes edited in the blob, digests
  rewritten) gives fingerprint-mismatch naming the layer and the path;
- inspect oci:DIR equals inspect of the blob file itself, but for the image's name (JSON and
  text); with two EROFS layers inspect needs --layer and lists them; --layer picks one;
- a blob whose bytes do not match its digest, and a layout without EROFS layers, are one error
  line and exit 2 (lint and inspect); outputs inside the layout or onto the archive are refused.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oci_layout as oci  # noqa: E402

ES = os.environ.get("EROFS_SHARE", "")
NAME = os.path.splitext(os.path.basename(sys.argv[0]))[0]
SCRATCH = os.path.join(os.environ.get("EROFS_SHARE_SCRATCH", "/tmp/erofs-share-container"), NAME)


def fail(msg):
    print(f"{NAME}: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def run(*args, status=None):
    p = subprocess.run([ES, *args], capture_output=True)
    if status is not None and p.returncode != status:
        fail(f"exit {p.returncode}, expected {status}: {' '.join(args)}\nstdout: {p.stdout[-2000:]!r}\n"
             f"stderr: {p.stderr!r}")
    return p


def one_error_line(p, *needles):
    lines = p.stderr.decode(errors="replace").splitlines()
    if len(lines) != 1 or not lines[0].startswith("erofs-share: "):
        fail(f"expected one error line, got {lines!r}")
    for n in needles:
        if n not in lines[0]:
            fail(f"error line {lines[0]!r} does not contain {n!r}")
    return lines[0]


def lint_json(*args, status):
    p = run("lint", "--format", "json", *args, status=status)
    return json.loads(p.stdout)


def findings(report, rule):
    return [f for f in report["findings"] if f["rule"] == rule]


def main():
    if not ES:
        fail("EROFS_SHARE is not set (CTest sets it)")
    mkfs = os.environ.get("MKFS_EROFS_19", "")
    if not mkfs or not os.access(mkfs, os.X_OK):
        fail("MKFS_EROFS_19 is not set or not executable; run `source scripts/env.sh` before ctest")
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    big = oci.pseudo_random(20000, 2)
    files = {"etc/os-release": b"ID=test\n", "usr/bin/tool": oci.pseudo_random(5000, 1), "usr/lib/big.so": big}
    base_tar = oci.layer_tar({"etc/hostname": b"base\n", "bin/sh": oci.pseudo_random(3000, 3)})
    erofs = oci.erofs_layer(mkfs, oci.layer_tar(files), SCRATCH, "app")

    # 1. lint oci:DIR: the EROFS layer is linted (clean, fingerprints verified), the tar layer noted.
    lay = os.path.join(SCRATCH, "layout")
    tar_d, ero_d = oci.write_layout(lay, [(oci.OCI_TAR, base_tar), (oci.EROFS_LAYER, erofs)])
    ero_name, tar_name = f"oci:{lay}@{ero_d[:19]}", f"oci:{lay}@{tar_d[:19]}"
    for spec in (f"oci:{lay}", lay):
        rep = lint_json(spec, status=0)
        if [i["image"] for i in rep["images"]] != [ero_name]:
            fail(f"lint {spec}: images {[i['image'] for i in rep['images']]}, expected [{ero_name}]")
        img = rep["images"][0]
        if img["regular_files"] != 3 or img["fingerprinted"] != 3 or img["verified"] != 3 or img["mismatched"]:
            fail(f"lint {spec}: coverage {img}")
        if rep["findings"] or rep["input_errors"]:
            fail(f"lint {spec}: findings {rep['findings']} input errors {rep['input_errors']}")
        if not any(n.startswith(tar_name + ": not linted, a tar layer") for n in rep["notes"]):
            fail(f"lint {spec}: no note for the tar layer {tar_name}: {rep['notes']}")
    text = run("lint", f"oci:{lay}", status=0).stdout.decode()
    if f"{ero_name}: clean" not in text or f"note: {tar_name}: not linted, a tar layer" not in text:
        fail(f"lint text report:\n{text}")
    gh = run("lint", "--format", "github", f"oci:{lay}", status=0).stdout.decode()
    if f"::notice title=erofs-share lint::{tar_name}: not linted, a tar layer" not in gh:
        fail(f"lint github annotations have no notice for the tar layer:\n{gh}")
    # An OCI archive of the same layout: the same layer, named by the archive.
    arc = os.path.join(SCRATCH, "layout.tar")
    oci.archive(lay, arc)
    rep = lint_json(f"oci-archive:{arc}", status=0)
    if [i["image"] for i in rep["images"]] != [f"oci-archive:{arc}@{ero_d[:19]}"]:
        fail(f"lint oci-archive: images {rep['images']}")

    # 2. A file's content edited in the blob (its fingerprint kept): fingerprint-mismatch names
    #    the layer and the path.
    pos = erofs.find(big[:64])
    if pos < 0 or erofs.find(big[:64], pos + 1) >= 0:
        fail("the big file's data is not stored once, as is, in the EROFS layer")
    forged = bytearray(erofs)
    forged[pos + 100] ^= 0xFF
    flay = os.path.join(SCRATCH, "forged")
    _, f_d = oci.write_layout(flay, [(oci.OCI_TAR, base_tar), (oci.EROFS_LAYER, bytes(forged))])
    rep = lint_json(f"oci:{flay}", status=1)
    mism = findings(rep, "fingerprint-mismatch")
    want = f"oci:{flay}@{f_d[:19]}"
    if len(mism) != 1 or mism[0]["image"] != want or mism[0]["path"] != "/usr/lib/big.so":
        fail(f"forged layer: fingerprint-mismatch findings {mism}, expected one for {want} /usr/lib/big.so")
    text = run("lint", f"oci:{flay}", status=1).stdout.decode()
    if f"{want}: 1 error" not in text or "fingerprint-mismatch" not in text:
        fail(f"forged layer, text report:\n{text}")

    # 3. inspect oci:DIR is inspect of the blob itself, but for the name.
    blob = oci.blob_path(lay, ero_d)
    for fmt in ("json", "text"):
        a = run("inspect", "--digest", "--format", fmt, f"oci:{lay}", status=0).stdout.decode()
        b = run("inspect", "--digest", "--format", fmt, blob, status=0).stdout.decode()
        if fmt == "json":
            ja, jb = json.loads(a), json.loads(b)
            if ja["superblock"]["image"] != ero_name:
                fail(f"inspect json names {ja['superblock']['image']!r}, expected {ero_name!r}")
            ja["superblock"]["image"] = jb["superblock"]["image"]
            if ja != jb:
                fail("inspect oci:DIR --format json differs from inspect of the blob")
            if not any(f["path"] == "/usr/lib/big.so" for f in ja["files"]):
                fail("inspect json has no /usr/lib/big.so")
        elif a.replace(ero_name, blob, 1) != b:
            fail(f"inspect text differs:\n{a[:400]}\n---\n{b[:400]}")
    p = run("inspect", "--layer", tar_d[7:19], f"oci:{lay}", status=2)
    one_error_line(p, tar_name, "a tar layer")

    # Two EROFS layers: --layer is needed, and picks one.
    erofs2 = oci.erofs_layer(mkfs, oci.layer_tar({"srv/data": oci.pseudo_random(9000, 4)}), SCRATCH, "data")
    two = os.path.join(SCRATCH, "two")
    d1, d2 = oci.write_layout(two, [(oci.EROFS_LAYER, erofs), (oci.EROFS_LAYER, erofs2)])
    p = run("inspect", f"oci:{two}", status=2)
    one_error_line(p, "2 EROFS layers", "--layer", f"oci:{two}@{d1[:19]} (erofs)", f"oci:{two}@{d2[:19]} (erofs)")
    j = json.loads(run("inspect", "--format", "json", "--layer", d2[7:15], f"oci:{two}", status=0).stdout)
    if j["superblock"]["image"] != f"oci:{two}@{d2[:19]}" or [f["path"] for f in j["files"]] != ["/", "/srv",
                                                                                                 "/srv/data"]:
        fail(f"inspect --layer {d2[7:15]}: {j['superblock']['image']} {[f['path'] for f in j['files']]}")
    run("inspect", "--layer", d1, f"oci:{two}", status=0)  # the whole digest, with sha256:
    one_error_line(run("inspect", "--layer", "ffffffffffff", f"oci:{two}", status=2), "matches no EROFS layer")
    one_error_line(run("inspect", "--layer", d1[7:15], oci.blob_path(two, d1), status=2), "not a container input")
    rep = lint_json(f"oci:{two}", status=0)
    if [i["image"] for i in rep["images"]] != [f"oci:{two}@{d1[:19]}", f"oci:{two}@{d2[:19]}"]:
        fail(f"lint of two EROFS layers: {rep['images']}")

    # 4. A blob that does not match its digest: one line, exit 2.
    bad = os.path.join(SCRATCH, "bad")
    shutil.copytree(lay, bad)
    with open(oci.blob_path(bad, ero_d), "r+b") as f:
        f.seek(pos + 100)
        f.write(b"\0")
    one_error_line(run("inspect", f"oci:{bad}", status=2), ero_d[:19], "digest")
    p = run("lint", f"oci:{bad}", status=2)
    one_error_line(p, f"oci:{bad}@{ero_d[:19]}", "digest")
    rep = lint_json(f"oci:{bad}", blob, status=2)  # the other input is still linted
    if [i["image"] for i in rep["images"]] != [blob] or len(rep["input_errors"]) != 1:
        fail(f"lint with a bad layer and a good image: {rep['images']} {rep['input_errors']}")

    # 5. No EROFS layer at all: an input error naming the container.
    tars = os.path.join(SCRATCH, "tars")
    oci.write_layout(tars, [(oci.OCI_TAR, base_tar)])
    for args in (("lint", f"oci:{tars}"), ("inspect", f"oci:{tars}")):
        one_error_line(run(*args, status=2), f"oci:{tars}: no EROFS layers (1 tar layer: build them with "
                                             "erofs-share build --tar, or scan them)")

    # 6. Outputs inside the layout, or onto the archive, are refused before any work.
    for cmd in ("lint", "inspect"):
        p = run(cmd, f"oci:{lay}", "-o", os.path.join(lay, "index.json"), status=2)
        one_error_line(p, "inside input directory")
        p = run(cmd, f"oci-archive:{arc}", "-o", arc, status=2)
        one_error_line(p, "refusing to overwrite an input")
    json.load(open(os.path.join(lay, "index.json")))
    print(f"{NAME}: ok")


if __name__ == "__main__":
    main()
