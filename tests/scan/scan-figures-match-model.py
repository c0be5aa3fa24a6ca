#!/usr/bin/env python3
"""Every byte figure of `scan` (totals, per input, pair matrix, groups) equals the independent
model's, for images built by mkfs.erofs 1.5 and >= 1.9: with and without
--xattr-inode-digest (default and named), compressed (-zlz4hc) and not, one and several
domains, block and file-backed mounts, --assume order and best, --page-size, and
--trust-fingerprints; the build drift too (scanlib.expected_drift)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scanlib import *  # noqa: E402,F401,F403

t = setup()
trees = make_trees(os.path.join(t, "src"))
img = lambda n: os.path.join(t, n)  # noqa: E731
A19 = mkfs(19, img("a19.erofs"), trees["A"], "--xattr-inode-digest")
B19 = mkfs(19, img("b19.erofs"), trees["B"], "--xattr-inode-digest")
B19z = mkfs(19, img("b19z.erofs"), trees["B"], "-zlz4hc", "--xattr-inode-digest")
C19n = mkfs(19, img("c19n.erofs"), trees["C"], "--xattr-inode-digest=trusted.erofs.fingerprint")
A15 = mkfs(15, img("a15.erofs"), trees["A"])
C15z = mkfs(15, img("c15z.erofs"), trees["C"], "-zlz4hc")
B19p = mkfs(19, img("b19p.erofs"), trees["B"])
M = {
    A19: image_model(A19, trees["A"], 19, True),
    B19: image_model(B19, trees["B"], 19, True),
    B19z: image_model(B19z, trees["B"], 19, True, compressed=True),
    C19n: image_model(C19n, trees["C"], 19, True),
    A15: image_model(A15, trees["A"], 15, False),
    C15z: image_model(C15z, trees["C"], 15, False, compressed=True),
    B19p: image_model(B19p, trees["B"], 19, False),
}
# The compressed images must really hold compressed and uncompressed inodes, or the class
# cases below test nothing.
for name in (B19z, C15z):
    kinds = {i["storage"] for i in M[name]["inodes"]}
    if kinds != {"compressed", "uncompressed"}:
        fail(f"{name}: expected both compressed and uncompressed inodes, dump.erofs shows {kinds}")


def check(label, names, *opts, **model_kw):
    doc = scan("--drift-rows", "0", *opts, *names)
    exp = expected([M[n] for n in names], **model_kw)
    compare(doc, exp, label)
    drift = expected_drift(exp, model_kw.get("page", 4096), model_kw.get("assume", "order"))
    if doc["drift"] != drift:
        fail(f"{label}: build drift\n{json.dumps(doc['drift'], indent=1)}\nexpected\n{json.dumps(drift, indent=1)}")
    return doc


# One domain, all tagged: everything identical shares now.
doc = check("tagged", [A19, B19, C19n])
if doc["totals"]["saved_bytes_now"] == 0 or doc["totals"]["saved_bytes_now"] != doc["totals"]["saved_bytes_if_tagged"]:
    fail("tagged: expected equal, non-zero savings now and if tagged")
expect_status(doc, "tagged", {(0, "/lib/libbig-link.so"): ("shares_now", None), (2, "/lib/libbig.so"): ("shares_now", None),
                              (0, "/share/dup1.txt"): ("shares_now", None), (0, "/share/dup2.txt"): ("shares_now", None)})

# Compressed first: its class wins in command-line order; --assume best picks uncompressed.
doc = check("compressed-first", [B19z, A19, B19, A15])
expect_status(doc, "compressed-first", {(1, "/lib/libbig-link.so"): ("blocked", "compressed_vs_uncompressed"),
                                        (0, "/lib/libbig.so"): ("blocked", "compressed_vs_uncompressed"),
                                        (3, "/etc/common.conf"): ("would_share_once_tagged", "no_ishare_feature")})
doc = check("compressed-best", [B19z, A19, B19, A15], "--assume", "best", assume="best")
expect_status(doc, "compressed-best", {(1, "/lib/libbig-link.so"): ("shares_now", None),
                                       (0, "/lib/libbig.so"): ("blocked", "compressed_vs_uncompressed")})
check("uncompressed-first", [A19, B19z, C15z, B19])

# Domains: B in its own domain shares nothing with A and C.
doc = check("domains", [A19, B19, C19n], "--domain", f"{B19}=other", domains={B19: "other"})
expect_status(doc, "domains", {(1, "/bin/rand.bin"): ("blocked", "other_domain"), (0, "/bin/rand.bin"): ("blocked", "other_domain"),
                               (2, "/lib/libbig.so"): ("shares_now", None)})
check("domains-all-different", [A19, B19, C19n], "--domain", f"{A19}=x", "--domain", f"{B19}=y", "--domain", "z",
      domains={A19: "x", B19: "y", C19n: "z"})

# Mount modes: a file-backed mount never shares uncompressed data with a block mount.
doc = check("fileio", [A19, B19, C19n], "--mount-mode", f"{B19}=fileio", mounts={B19: "fileio"})
expect_status(doc, "fileio", {(1, "/bin/rand.bin"): ("blocked", "fileio_vs_block")})
check("fileio-all", [A19, B19, C19n], "--mount-mode", "fileio", default_mount="fileio")
check("fileio-compressed", [B19z, A19, C15z], "--mount-mode", f"{A19}=fileio", mounts={A19: "fileio"})

# Untagged images (1.5, and 1.9 without the option): nothing shares now.
doc = check("untagged", [A19, A15, C15z, B19p], "--page-size", "16384", page=16384)
expect_status(doc, "untagged", {(1, "/etc/common.conf"): ("would_share_once_tagged", "no_ishare_feature"),
                                (0, "/tagged-only.txt"): ("would_share_once_tagged", "peer_not_tagged")})
check("page-64k", [A19, B19z, C19n], "--page-size", "65536", page=65536)

# --trust-fingerprints reads no data where fingerprints exist and gives the same figures here.
check("trust", [A19, B19, C19n, A15], "--trust-fingerprints")

# The same image twice shares with itself.
check("twice", [A19, A19])
passed()
