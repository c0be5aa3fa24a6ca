#!/bin/bash
# inspect -s, -S, --nid and --path -e agree with dump.erofs of erofs-utils 1.9 (-s, -S, --nid,
# --path) on images made here by mkfs.erofs 1.9 (plain, lz4hc, chunked), and the text outputs
# fit 120 columns.
. "$(dirname "$0")/common.sh"

[ -n "${MKFS_EROFS_19:-}" ] && [ -n "${DUMP_EROFS_19:-}" ] || fail "MKFS_EROFS_19/DUMP_EROFS_19 not set (source scripts/env.sh)"
make_tree "$t/tree"
head -c 70000 /dev/urandom >"$t/tree/random"
"$PYTHON3" -c 'import sys; sys.stdout.write("some text to compress\n" * 14000)' >"$t/tree/sub/text"
mkimage 19 "$t/plain.erofs" "$t/tree"
mkimage 19 "$t/lz4hc.erofs" "$t/tree" -zlz4hc
mkimage 19 "$t/chunked.erofs" "$t/tree" --chunksize=4096

# field FILE LABEL: the value after "LABEL:" in dump.erofs output (trailing blanks dropped).
field() { sed -n "s/^$2:[[:space:]]*//p" "$1" | sed 's/[[:space:]]*$//' | head -n 1; }
# ours FILE KEY: the value after "KEY:" in our text output.
ours() { sed -n "s|^$2:[[:space:]]*||p" "$1" | head -n 1; }
same() { [ "$2" = "$3" ] || fail "$img: $1: inspect says '$2', dump.erofs says '$3'"; }
fits() { awk -v f="$1" 'length > 120 { print f ": line " NR " has " length " columns"; bad = 1 } END { exit bad }' "$1" || fail "$1: wider than 120 columns"; }

for kind in plain lz4hc chunked; do
  img=$t/$kind.erofs
  # Superblock.
  "$DUMP_EROFS_19" -s "$img" >"$t/d.s" 2>&1 || fail "dump.erofs -s $img failed"
  es inspect -s "$img" >"$t/o.s"
  fits "$t/o.s"
  same blocksize "$(ours "$t/o.s" 'block size')" "$(field "$t/d.s" 'Filesystem blocksize')"
  same blocks "$(ours "$t/o.s" blocks)" "$(field "$t/d.s" 'Filesystem blocks')"
  same 'root nid' "$(ours "$t/o.s" inodes | sed 's/.*root nid \([0-9]*\).*/\1/')" "$(field "$t/d.s" 'Filesystem root nid')"
  same 'inode count' "$(ours "$t/o.s" inodes | cut -d' ' -f1)" "$(field "$t/d.s" 'Filesystem inode count')"
  same uuid "$(ours "$t/o.s" uuid)" "$(field "$t/d.s" 'Filesystem UUID')"
  same 'meta block' "$(ours "$t/o.s" 'meta start block')" "$(field "$t/d.s" 'Filesystem inode metadata start block')"
  same 'xattr block' "$(ours "$t/o.s" 'xattr start block')" "$(field "$t/d.s" 'Filesystem shared xattr metadata start block')"
  same 'compat features' "$(ours "$t/o.s" 'compat features')" "$(field "$t/d.s" 'Filesystem compatible features')"
  # dump.erofs spells LZ4_0PADDING "lz4_0padding", we "0padding".
  same 'incompat features' "$(ours "$t/o.s" 'incompat features')" \
    "$(field "$t/d.s" 'Filesystem incompatible features' | sed 's/lz4_0padding/0padding/')"
  kernel=$(field "$t/d.s" 'Required upstream Linux kernel version')
  [ -z "$kernel" ] || same 'oldest kernel' "$(ours "$t/o.s" 'oldest kernel')" "Linux $kernel"
  es inspect -s --format json "$img" | "$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin); assert set(d)=={"schema_version","tool","superblock"}, d.keys(); assert d["superblock"]["min_kernel"]' ||
    fail "$img: -s --format json is not the superblock alone"

  # Statistics.
  "$DUMP_EROFS_19" -S "$img" >"$t/d.S" 2>&1 || fail "dump.erofs -S $img failed"
  es inspect -S "$img" >"$t/o.S"
  fits "$t/o.S"
  # Our label | dump.erofs' label | what dump.erofs appends.
  while IFS='|' read -r mine theirs suffix; do
    same "$mine" "$(ours "$t/o.S" "$mine")$suffix" "$(field "$t/d.S" "$theirs")"
  done <<'ROWS'
files|Filesystem total file count|
regular files|Filesystem regular file count|
directories|Filesystem directory count|
symlinks|Filesystem symlink file count|
fifos|Filesystem FIFO file count|
compressed files|Filesystem compressed files|
uncompressed files|Filesystem uncompressed files|
logical bytes|Filesystem total original file size| Bytes
stored bytes|Filesystem total file size| Bytes
stored/logical|Filesystem compress rate|
ROWS
  # The two size distributions: dump.erofs' rows "  LO .. HI  COUNT ..." in order.
  for which in Original On-disk; do
    col=2; [ "$which" = On-disk ] && col=3
    sed -n "/^$which file size distribution:/,/^\$/p" "$t/d.S" | awk '$1 ~ /^[0-9]+$/ { for (i = 2; i <= NF; i++) if ($i ~ /%$/) print $(i - 1) }' | head -n 17 >"$t/d.dist"
    sed -n '/^SIZE (KiB)/,$p' "$t/o.S" | awk -v c=$col 'NR > 1 { print $c }' >"$t/o.dist"
    cmp -s "$t/d.dist" "$t/o.dist" || fail "$img: $which size distribution: ours $(tr '\n' ' ' <"$t/o.dist"), dump.erofs $(tr '\n' ' ' <"$t/d.dist")"
  done
  [ "$kind" != lz4hc ] || [ "$(ours "$t/o.S" 'compressed files')" -gt 0 ] || fail "$img: no compressed file"

  # One inode, by path and by nid.
  for p in /a /random /sub/text /sub; do
    "$DUMP_EROFS_19" --path "$p" "$img" >"$t/d.p" 2>&1 || fail "dump.erofs --path $p $img failed"
    es inspect --path "$p" -e --max-extents 1000 "$img" >"$t/o.p"
    fits "$t/o.p"
    nid=$(sed -n 's/^NID: \([0-9]*\).*/\1/p' "$t/d.p")
    same "$p nid" "$(ours "$t/o.p" nid)" "$nid"
    # Our label | the sed expression that takes dump.erofs' value.
    while IFS='|' read -r mine expr; do
      mine_value=$(ours "$t/o.p" "$mine")
      case $mine in
        layout) mine_value=$(sed 's/.*(\([0-9]\))/\1/' <<<"$mine_value") ;;
        mode) mine_value=${mine_value%% *} ;;
      esac
      same "$p $mine" "$mine_value" "$(sed -n "$expr" "$t/d.p")"
    done <<'ROWS'
size|s/^Size: \([0-9]*\) .*/\1/p
stored|s/.*On-disk size: \([0-9]*\).*/\1/p
layout|s/.*Layout: \([0-9]*\).*/\1/p
links|s/.*Links: \([0-9]*\).*/\1/p
xattr size|s/.*Xattr size: \([0-9]*\).*/\1/p
mode|s/.*Access: \([0-7]*\)\/.*/\1/p
ROWS
    "$DUMP_EROFS_19" --nid "$nid" "$img" >"$t/d.n" 2>&1 || fail "dump.erofs --nid $nid $img failed"
    es inspect --nid "$nid" --max-extents 1000 "$img" >"$t/o.n"
    same "nid $nid size" "$(ours "$t/o.n" size)" "$(sed -n 's/^Size: \([0-9]*\) .*/\1/p' "$t/d.n")"
    cmp -s <(grep -v '^path:' "$t/o.p") "$t/o.n" || fail "$img: --path $p -e and --nid $nid differ"
    # The extents cover the file: their logical lengths add up to its size.
    total=$(sed -n '/^ *EXT /,/extents$/p' "$t/o.p" | awk '$1 ~ /^[0-9]+$/ && NF == 7 { s += $3 } END { print s + 0 }')
    if [ "$p" != /sub ]; then same "$p extent bytes" "$total" "$(ours "$t/o.p" size)"; fi
  done
  # The physical bytes of a compressed or chunked file are what dump.erofs -e lists.
  "$DUMP_EROFS_19" --path /sub/text -e "$img" >"$t/d.e" 2>&1 || fail "dump.erofs -e failed"
  dphys=$(awk '$1 ~ /^[0-9]+:$/ { s += $NF } END { print s + 0 }' "$t/d.e")
  es inspect --path /sub/text -e --max-extents 1000 "$img" >"$t/o.e"
  ophys=$(sed -n '/^ *EXT /,/extents$/p' "$t/o.e" | awk '$1 ~ /^[0-9]+$/ && NF == 7 { s += $5 } END { print s + 0 }')
  same '/sub/text physical bytes' "$ophys" "$dphys"
  es inspect --path /sub/text -e --format json "$img" | "$PYTHON3" -c 'import json,sys; d=json.load(sys.stdin); assert d["inode"]["extent_count"] >= 1' ||
    fail "$img: --format json has no inode"
  # The listing is bounded: --max-extents 1 lists one and counts the rest.
  es inspect --path /sub/text -e --max-extents 1 "$img" >"$t/o.1"
  n=$(sed -n 's/^\([0-9]*\) extents$/\1/p' "$t/o.1")
  [ "$n" -le 1 ] || grep -qx "\.\.\. $((n - 1)) more (--max-extents)" "$t/o.1" || fail "$img: --max-extents 1 did not bound the list"

  # The file table fits too (short paths, fingerprint cut); --wide is wider.
  es inspect "$img" >"$t/o.t"
  fits "$t/o.t"
done
grep -q 'layout chunk_based *[1-9]' "$t/o.S" || fail "chunked image: no chunk_based file in -S"
expect_exit 2 es inspect --nid 1 "$t/plain.erofs"
expect_one_error_line
expect_exit 2 es inspect -s -S "$t/plain.erofs"
expect_exit 2 es inspect --nid 36 --path /a "$t/plain.erofs"
expect_exit 2 es inspect -e "$t/plain.erofs"
pass
