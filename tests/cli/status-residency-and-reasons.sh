#!/bin/bash
# status on a --mounts file: each "mount" of the file is a copy of an image's tree (so mincore
# measures real files of this host), its source the image file (a file-backed mount) or a loop
# device of it. Checks, against fincore(1) and the images as built:
#   - per mount the options and source (file, loop and its backing file), domains from --domain;
#   - every file's resident_bytes equals fincore's RES, and status changes no residency;
#   - saved now = the resident bytes of the copies the kernel's rule makes members of another's
#     shared inode; each twin that does not share carries its reason;
#   - the JSON matches share/schema/status.schema.json.
. "$(dirname "$0")/common.sh"
[ -n "${MKFS_EROFS_19:-}" ] || fail "MKFS_EROFS_19 is not set (source scripts/env.sh)"
command -v fincore >/dev/null || fail "fincore (util-linux) is missing"

head -c 262144 /dev/urandom >"$t/shared.bin"
for x in a b c; do
  mkdir -p "$t/tree-$x/dir"
  cp "$t/shared.bin" "$t/tree-$x/dir/shared.bin"
  head -c $((40960 + ${#x})) /dev/urandom >"$t/tree-$x/only-$x"
done
mkimage 19 "$t/a.erofs" "$t/tree-a" --xattr-inode-digest
mkimage 19 "$t/b.erofs" "$t/tree-b" --xattr-inode-digest
mkimage 19 "$t/c.erofs" "$t/tree-c"  # no fingerprints: no ishare_xattrs feature
# The "mount points": a copy of each tree per mount (separate files, separate page cache).
for m in a b c a-plain b-other; do cp -r "$t/tree-${m%%-*}" "$t/mnt-$m"; done

line() {  # ID MAJ:MIN MOUNTPOINT SOURCE SUPEROPTS
  printf '%s 1 %s / %s ro,relatime - erofs %s %s\n' "$1" "$2" "$3" "$4" "$5"
}
{
  printf '1 0 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n'
  line 20 0:120 "$t/mnt-a" "$t/a.erofs" ro,user_xattr,acl,cache_strategy=readaround,inode_share
  line 21 0:121 "$t/mnt-b" "$t/b.erofs" ro,user_xattr,acl,cache_strategy=readaround,inode_share
  line 22 0:122 "$t/mnt-c" "$t/c.erofs" ro,user_xattr,acl,cache_strategy=readaround,inode_share
  line 23 0:123 "$t/mnt-a-plain" "$t/a.erofs" ro,user_xattr,acl,cache_strategy=readaround
  line 24 0:124 "$t/mnt-b-other" "$t/b.erofs" ro,user_xattr,acl,cache_strategy=readaround,inode_share
} >"$t/mountinfo"
# A loop device of a.erofs, when this host lets us make one: block class, not fileio.
loop=
if loop=$(losetup -f --show -r "$t/a.erofs" 2>/dev/null); then
  trap 'losetup -d "$loop" 2>/dev/null || true' EXIT
  cp -r "$t/tree-a" "$t/mnt-loop"
  n=$(basename "$loop"); n=${n#loop}
  line 25 "7:$n" "$t/mnt-loop" "$loop" ro,user_xattr,acl,cache_strategy=readaround,inode_share >>"$t/mountinfo"
else
  printf '%s: no loop device here (losetup failed): the loop case is left out\n' "$testname"
fi

# Nothing of the copies cached, then a known part read.
sync
for f in $(find "$t"/mnt-* -type f); do dd if="$f" iflag=nocache count=0 status=none; done
for m in a b c a-plain b-other; do cat "$t/mnt-$m/dir/shared.bin" >/dev/null; done
[ -z "$loop" ] || cat "$t/mnt-loop/dir/shared.bin" >/dev/null
dd if="$t/mnt-a/only-a" bs=4096 count=3 status=none >/dev/null

res() { fincore --bytes --noheadings --output RES "$1" | tr -d ' '; }
snapshot() { for f in $(find "$t"/mnt-* -type f | sort); do printf '%s %s\n' "$f" "$(res "$f")"; done; }
snapshot >"$t/before"
domains=(--domain "$t/mnt-a=web" --domain "$t/mnt-b=web" --domain "$t/mnt-c=web" --domain "$t/mnt-b-other=db")
[ -z "$loop" ] || domains+=(--domain "$t/mnt-loop=web")
expect_exit 0 es status --mounts "$t/mountinfo" "${domains[@]}" --format json -o "$t/status.json"
snapshot >"$t/after"
diff "$t/before" "$t/after" || fail "status changed the residency of a file"
cp "$t/before" "$t/fincore.txt"

"$PYTHON3" - "$t/status.json" "$t/fincore.txt" "$t" "$loop" "$EROFS_SHARE_SRCDIR/share/schema/status.schema.json" <<'PY'
import json, sys, os
import jsonschema
j = json.load(open(sys.argv[1]))
t, loop = sys.argv[3], sys.argv[4]
jsonschema.validate(j, json.load(open(sys.argv[5])))
fin = dict(l.rsplit(" ", 1) for l in open(sys.argv[2]).read().splitlines())
fin = {k: int(v) for k, v in fin.items()}

mounts = {m["mount_point"]: m for m in j["mounts"]}
def check(cond, what):
    if not cond:
        sys.exit("FAILED: " + what)
check(len(j["mounts"]) == (6 if loop else 5), "every EROFS line is a mount, ext4 is not")
for name, img, share, dom in [("a", "a", True, "web"), ("b", "b", True, "web"), ("c", "c", True, "web"),
                              ("a-plain", "a", False, None), ("b-other", "b", True, "db")]:
    m = mounts[f"{t}/mnt-{name}"]
    check(m["source_kind"] == "file" and m["image"] == f"{t}/{img}.erofs", f"{name}: file-backed, image {img}.erofs")
    check(m["inode_share"] == share and m["domain"] == dom, f"{name}: inode_share {share}, domain {dom}")
    check(m["domain_from"] == ("option" if share else None), f"{name}: domain from --domain")
if loop:
    m = mounts[f"{t}/mnt-loop"]
    fs = j["filesystems"][m["filesystem"]]
    check(m["source_kind"] == "loop" and fs["backing_file"] == f"{t}/a.erofs" and m["image"] == f"{t}/a.erofs",
          "loop: source kind loop, its backing file is the image")
fss = {fs["mount_points"][0]: fs for fs in j["filesystems"]}
check(fss[f"{t}/mnt-c"]["ishare_feature"] is False and fss[f"{t}/mnt-a"]["ishare_feature"] is True, "ishare feature")

# Every file: resident_bytes is fincore's RES of the file measured.
files = j["files"]
check(len(files) == len(fin) and not j["unmeasured_files"], "every file measured")
for f in files:
    check(f["path"].startswith("/") and os.path.isabs(f["image"]), "contract: absolute image, /path")
    real = f["mount"] + f["path"]
    check(f["resident_bytes"] == fin[real], f"{real}: resident {f['resident_bytes']} != fincore {fin[real]}")
    check(f["size"] == os.path.getsize(real), f"{real}: size")

# The kernel's rule, in mount order: shared.bin of a (first, file-backed, domain web) anchors;
# b joins; c has no feature; a-plain has no inode_share; b-other is alone in db; the loop copy
# is block class (the shared inode is fileio).
shared = [g for g in j["groups"] if g["size"] == 262144]
check(len(shared) == 1, "one group for shared.bin")
copies = {c["mount"].rsplit("/mnt-", 1)[1]: c for c in shared[0]["copies"]}
want = {"a": ("shares_now", None), "b": ("shares_now", None), "c": ("would_share_once_tagged", "no_ishare_feature"),
        "a-plain": ("blocked", "mount_without_inode_share"), "b-other": ("blocked", "other_domain")}
if loop:
    want["loop"] = ("blocked", "fileio_vs_block")
for name, (status, reason) in want.items():
    c = copies[name]
    check((c["status"], c["reason"]) == (status, reason), f"{name}: {c['status']} {c['reason']}, expected {status} {reason}")
    check(c["saved_now"] == (name == "b"), f"{name}: saved_now")
res = {n: fin[f"{t}/mnt-{n}/dir/shared.bin"] for n in want}
check(all(v == 262144 for v in res.values()), "shared.bin fully resident everywhere (read above)")
tot = j["totals"]
check(tot["saved_bytes_now"] == res["b"], f"saved now {tot['saved_bytes_now']} != b's resident {res['b']}")
check(tot["resident_bytes"] == sum(fin.values()), "resident total")
check(tot["cached_bytes_now"] == tot["resident_bytes"] - tot["saved_bytes_now"], "cached = resident - saved")
# only-a (a, a-plain, loop) and only-b (b, b-other) are twins too, and none of their copies
# shares (a is alone in the fileio class, b-other in another domain, a-plain without the option).
only = [f"{t}/mnt-{m}/only-{m.split('-')[0]}" for m in ["a", "a-plain", "b", "b-other"] + (["loop"] if loop else [])]
only = [p.replace("only-loop", "only-a") for p in only]
sep = sum(res[n] for n in want if want[n][0] != "shares_now") + sum(fin[p] for p in only)
check(tot["separately_resident_twin_bytes"] == sep, "separately resident twins")
rows = {(r["status"], r["reason"]): r for r in j["separately_resident_twins"]}
for n, (status, reason) in want.items():
    if reason:
        check(rows[(status, reason)]["copies"] >= 1, f"reason row {reason}")
check(sum(r["resident_bytes"] for r in rows.values()) == sep, "reason rows add up to the separately resident twins")
PY

# The text report says the same in words.
expect_exit 0 es status --mounts "$t/mountinfo" "${domains[@]}"
grep -qF "mnt-b-other: file $t/b.erofs; inode_share, domain db (option)" "$t/stdout" || fail "text: b-other mount line"
grep -qF "blocked mount_without_inode_share: 1 copies" "$t/stdout" || fail "text: reason line"
grep -q '^saved now: *256.0 KiB' "$t/stdout" || fail "text: saved now"
pass
