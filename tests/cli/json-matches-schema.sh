#!/bin/bash
# `inspect --format json` (with and without --digest, with --path, -s, -S and -e) validates against
# share/schema/inspect.schema.json for images from every configured mkfs.erofs: plain,
# fingerprinted, compressed, chunked on an extra device (given and missing), from a tar with
# device nodes. Needs python3 with jsonschema (Debian: python3-jsonschema).
. "$(dirname "$0")/common.sh"

schema=$EROFS_SHARE_SRCDIR/share/schema/inspect.schema.json
"$PYTHON3" -c 'import jsonschema' 2>/dev/null ||
  fail "$PYTHON3 cannot import jsonschema (apt-get install python3-jsonschema)"

versions=$(mkfs_versions)
make_tree "$t/tree"
images=()
for v in $versions; do
  mkimage "$v" "$t/plain-$v.erofs" "$t/tree"
  images+=("$t/plain-$v.erofs")
done
if [[ $versions == *19* ]]; then
  mkimage 19 "$t/fp.erofs" "$t/tree" --xattr-inode-digest
  mkimage 19 "$t/fp-named.erofs" "$t/tree" --xattr-inode-digest=trusted.erofs.fingerprint
  mkimage 19 "$t/lz4.erofs" "$t/tree" -zlz4hc --xattr-inode-digest
  mkimage 19 "$t/chunked.erofs" "$t/tree" --chunksize=4096 --blobdev="$t/blob.img" --xattr-inode-digest
  make_device_tar "$t/devs.tar"
  mkimage 19 "$t/tar.erofs" "$t/devs.tar" --tar=f --xattr-inode-digest
  images+=("$t/fp.erofs" "$t/fp-named.erofs" "$t/lz4.erofs" "$t/chunked.erofs" "$t/tar.erofs")
else
  echo "note: MKFS_EROFS_19 is not set; fingerprinted, compressed and chunked images not covered"
fi

n=0
for img in "${images[@]}"; do
  sub=/sub
  [[ $img != *tar.erofs ]] || sub=/dev
  for args in "" "--digest" "--digest --path $sub" "-s" "-S" "-e --path $sub"; do
    # shellcheck disable=SC2086  # $args is a list of words
    expect_exit 0 es inspect --format json $args "$img"
    n=$((n + 1))
    cp "$t/stdout" "$t/out-$n.json"
    echo "$img $args" >"$t/out-$n.args"
  done
done
if [[ $versions == *19* ]]; then
  for f in "$t/lz4.erofs" "$t/chunked.erofs"; do  # extents of a compressed file, chunks
    expect_exit 0 es inspect --format json -e --path /sub/big "$f"
    n=$((n + 1))
    cp "$t/stdout" "$t/out-$n.json"
    echo "$f -e --path /sub/big" >"$t/out-$n.args"
  done
  expect_exit 0 es inspect --format json --digest --device "$t/blob.img" "$t/chunked.erofs"
  n=$((n + 1))
  cp "$t/stdout" "$t/out-$n.json"
  echo "$t/chunked.erofs --digest --device $t/blob.img" >"$t/out-$n.args"
fi

"$PYTHON3" - "$schema" "$t" "$n" <<'PY'
import json, sys, copy
import jsonschema

schema_path, t, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
seen = {"type": set(), "fingerprint_state": set(), "keys": set()}
bad = 0
for i in range(1, n + 1):
    doc = json.load(open(f"{t}/out-{i}.json"))
    for e in validator.iter_errors(doc):
        bad += 1
        if bad <= 20:
            print(f"{open(f'{t}/out-{i}.args').read().strip()}: {'/'.join(map(str, e.path))}: {e.message}")
    for f in doc.get("files", []):
        seen["type"].add(f["type"])
        seen["fingerprint_state"].add(f["fingerprint_state"])
        seen["keys"].update(f)
if bad:
    sys.exit(f"{bad} schema violations")

# The schema is strict: an undocumented key or a wrong type must be rejected.
doc = json.load(open(f"{t}/out-1.json"))
for mutate in (lambda d: d.__setitem__("extra", 1),
               lambda d: d["superblock"].__setitem__("extra", 1),
               lambda d: d["files"][0].__setitem__("extra", 1),
               lambda d: d["files"][0].__setitem__("type", "door"),
               lambda d: d.__setitem__("schema_version", 1),
               lambda d: d.__setitem__("statistics", {})):  # files and statistics exclude each other
    m = copy.deepcopy(doc)
    mutate(m)
    if validator.is_valid(m):
        sys.exit("schema accepted a mutated document; it is not strict enough")
print("validated", n, "documents; types", sorted(seen["type"]), "states", sorted(seen["fingerprint_state"]))
print("file keys seen:", sorted(seen["keys"]))
parts = [sorted(k for k in ("files", "statistics", "inode") if k in json.load(open(f"{t}/out-{i}.json"))) for i in range(1, n + 1)]
for want in (["files"], ["statistics"], ["inode"], []):
    if want not in parts:
        sys.exit(f"no document with exactly {want} checked")
PY

pass
