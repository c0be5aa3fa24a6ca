#!/usr/bin/env python3
"""An input is a tar archive only if it has an entry with a valid tar header (checksum): a
zero-filled file, a zero-filled gzip stream and the first 1,000 bytes of an EROFS image are
"not an EROFS image, directory, tar archive or manifest" (one line, exit status 2), never an
empty archive with 0 files. Real tar archives (plain and gzip) and a tar whose first header
checksum is broken are told apart the same way."""

import gzip
import os

from scanlib import ES, fail, mkfs, make_tar, passed, run, setup, write_tree

t = setup()
src = os.path.join(t, "src")
write_tree(src, {"a": b"hello\n", "b/c": b"x" * 5000})
img = mkfs(19, os.path.join(t, "img.erofs"), src)
tar = os.path.join(t, "src.tar")
make_tar(src, tar)
with open(tar, "rb") as f:
    tar_bytes = f.read()

bad = {
    "zeros.bin": bytes(64 * 1024),
    "zeros-small.bin": bytes(1000),
    "zeros.tar.gz": gzip.compress(bytes(20 * 512), mtime=0),
    "head1000.erofs": open(img, "rb").read()[:1000],
    # The first header with one byte of its checksum field changed.
    "badsum.tar": tar_bytes[:148] + (b"9" if tar_bytes[148:149] != b"9" else b"8") + tar_bytes[149:],
}
for name, data in bad.items():
    path = os.path.join(t, name)
    with open(path, "wb") as f:
        f.write(data)
    p = run([ES, "scan", path], ok=False)
    err = p.stderr.decode(errors="replace")
    if p.returncode != 2:
        fail(f"{name}: exit {p.returncode}, want 2; stdout {p.stdout[:200]!r}, stderr {err!r}")
    if err.count("\n") != 1 or not err.startswith(f"erofs-share: {path}: not an EROFS image"):
        fail(f"{name}: want one 'not an EROFS image' line, got {err!r}")
    if p.stdout:
        fail(f"{name}: a report was printed: {p.stdout[:200]!r}")

# Real archives and the image itself are still read.
with open(os.path.join(t, "src.tar.gz"), "wb") as f:
    f.write(gzip.compress(tar_bytes, mtime=0))
for path in (tar, os.path.join(t, "src.tar.gz"), img):
    p = run([ES, "scan", "--format", "json", path], ok=False)
    if p.returncode != 0:
        fail(f"{path}: exit {p.returncode}: {p.stderr.decode(errors='replace')}")
passed()
