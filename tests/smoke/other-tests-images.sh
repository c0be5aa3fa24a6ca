#!/bin/bash
# smoke on images built the way the other suites build theirs (tests/cli make_tree: inline,
# multi-block, hard-linked, identical, special files; a variant; a compressed copy): exit 0 and
# 100% agreement between scan's model and the kernel.
. "$(dirname "$0")/common.sh"
need_vm
need_mkfs19
use_kernel

make_tree "$t/tree"
cp -a "$t/tree" "$t/tree2"
printf 'only in the second image\n' >"$t/tree2/extra"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "second image line %05d\n", i }' >"$t/tree2/sub/big2"
mkimage 19 "$t/one.erofs" "$t/tree" --xattr-inode-digest
mkimage 19 "$t/two.erofs" "$t/tree2" --xattr-inode-digest
mkimage 19 "$t/three.erofs" "$t/tree" --xattr-inode-digest -zlz4hc

expect_exit 0 es smoke --kernel "$KERNEL" --modules "$MODULES" --format json \
  "$t/one.erofs" "$t/two.erofs" "$t/three.erofs"
cp "$t/stdout" "$t/report.json"
validate_schema "$t/report.json"
check_json 'j["status"] == "pass" and not j["generated_images"]' "$t/report.json"
check_json 'j["agreement"]["percent"] == 100 and j["agreement"]["observed"] >= 5' "$t/report.json"
check_json '[x["verdict"] for x in j["scenarios"] if x["name"] == "same_domain_shares"] == ["shared"]' "$t/report.json"
check_json '[x["verdict"] for x in j["scenarios"] if x["name"] == "domain_id_required"] == ["refused_einval"]' "$t/report.json"
# No forged fingerprint in these images: that scenario has nothing to check.
check_json '[x["verdict"] for x in j["scenarios"] if x["name"] == "forged_fingerprint_serves_other_bytes"] == ["not_applicable"]' "$t/report.json"

# Images without fingerprints (mkfs.erofs 1.5 style): nothing shares, and the model says so.
mkimage 19 "$t/plain1.erofs" "$t/tree"
mkimage 19 "$t/plain2.erofs" "$t/tree2"
expect_exit 0 es smoke --kernel "$KERNEL" --modules "$MODULES" --format json "$t/plain1.erofs" "$t/plain2.erofs"
check_json 'all(x["verdict"] in ("not_applicable", "refused_einval") for x in j["scenarios"])' "$t/stdout"
pass
