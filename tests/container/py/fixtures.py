"""The standard container fixtures of the tests: two releases of one application sharing a base
layer, and an unrelated image, with whiteouts, an opaque directory, a replaced file, a
non-directory replacing a directory, a directory replacing a file and a whiteout of a
directory. Sizes are chosen so page rounding matters; big files are compressible text, so
`-zlz4hc` compresses every file over one block."""

from ocifixture import File, Image, Index, Layer, Opaque, Symlink, Whiteout, Dir, Hardlink


def text(seed, size):
    line = f"line of file {seed}: the quick brown fox jumps over the lazy dog\n".encode()
    return (line * (size // len(line) + 1))[:size]


def layers(base_compression="gzip", upper_compression="none"):
    """The layers by name (the same objects are reused by every image that has them)."""
    return {
        "base": Layer([File("etc/a", text(1, 100)), File("usr/big", text(2, 10000)), File("etc/conf", text(3, 5000)),
                       File("opt/x", text(4, 200)), File("usr/lib/libz.so", text(9, 20000)),
                       Hardlink("usr/lib/libz.so.1", "usr/lib/libz.so"), File("empty", b""),
                       Symlink("bin", "usr/bin"), Dir("var/empty")], base_compression),
        "up1": Layer([File("app/run", text(5, 3000))], upper_compression),
        "mid2": Layer([File("tmp/junk", text(6, 1000)), File("var/cache/x", text(7, 2000)), File("lib/f", text(8, 300)),
                       File("m2/keep", text(10, 700)), File("m2/later-dir", text(13, 500)),
                       File("var/lib/db/x", text(14, 800))], upper_compression),
        "up2": Layer([Whiteout("tmp/junk"), Opaque("var/cache"), Symlink("lib", "usr/lib"),
                      File("etc/conf", text(11, 5000)), File("app/run", text(5, 3000)), Opaque("opt"),
                      Dir("m2/later-dir"), Whiteout("var/lib")], "zstd"),
        "other": Layer([File("usr/big", text(2, 10000)), File("srv/data", text(12, 4096))], "gzip"),
    }


def releases(L):
    """[release 1, release 2, unrelated] images of the layers `L`."""
    return [Image([L["base"], L["up1"]], "app:1"), Image([L["base"], L["mid2"], L["up2"]], "app:2"),
            Image([L["other"]], "other:1")]


def multi_platform(L):
    """One multi-platform index: amd64 = release 1, arm64 = the unrelated image's layer."""
    return [Index([Image([L["base"], L["up1"]], platform="linux/amd64"),
                   Image([L["other"]], platform="linux/arm64")], ref="multi:1")]
