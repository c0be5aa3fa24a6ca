#!/bin/bash
# The acceptance run (also of status in the guest, #16): smoke on its generated image set with Debian's >= 7.0 cloud kernel exits
# 0, every scenario has the expected verdict (none skipped), scan's model agrees with every
# observation (100%), the JSON matches its schema, and the whole run takes at most 60 s.
. "$(dirname "$0")/common.sh"
need_vm
need_mkfs19
use_kernel

start=$(date +%s.%N)
expect_exit 0 es smoke --kernel "$KERNEL" --modules "$MODULES" --format json
end=$(date +%s.%N)
cp "$t/stdout" "$t/report.json"
validate_schema "$t/report.json"
check_json 'j["status"] == "pass" and j["generated_images"] and len(j["images"]) == 3' "$t/report.json"
check_json 'j["kernel_release"] != "" and j["accelerator"] in ("kvm", "tcg")' "$t/report.json"
check_json 'j["agreement"]["percent"] == 100 and j["agreement"]["observed"] >= 10' "$t/report.json"
check_json 'j["agreement"]["agreed"] == j["agreement"]["observed"]' "$t/report.json"
for s in same_domain_shares:shared other_domain_does_not:not_shared no_inode_share_does_not:not_shared \
         compressed_vs_uncompressed_does_not:not_shared size_mismatch_does_not:not_shared \
         content_matches_fingerprint:matches_fingerprint domain_id_required:refused_einval \
         forged_fingerprint_serves_other_bytes:serves_other_bytes \
         status_reports_mounts:options_and_sources status_saved_matches_meminfo:within_tolerance \
         status_reasons_right:right_reasons status_keeps_residency:unchanged; do
  check_json "[x['verdict'] for x in j['scenarios'] if x['name'] == '${s%%:*}'] == ['${s#*:}']" "$t/report.json"
done
check_json 'all(x["pass"] and x["evidence"] for x in j["scenarios"])' "$t/report.json"
check_json 'any("i_size mismatch" in line for line in j["kernel_log"])' "$t/report.json"
# The status stage's figures (status's saved now against the meminfo difference).
"$PYTHON3" -c 'import json,sys
for s in json.load(open(sys.argv[1]))["scenarios"]:
    if s["name"].startswith("status_"): print("%s: %s" % (s["name"], s["evidence"]))' "$t/report.json"
seconds=$("$PYTHON3" -c "print(round($end - $start, 1))")
printf '%s: whole run %s s (accelerator %s)\n' "$testname" "$seconds" \
  "$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["accelerator"])' "$t/report.json")"
"$PYTHON3" -c "import sys; sys.exit(0 if $end - $start <= 60 else 1)" || fail "the run took $seconds s (limit 60 s)"

# The text report says the same.
expect_exit 0 es smoke --kernel "$KERNEL" --modules "$MODULES" -q
grep -q '^agreement: .*(100.0%)$' "$t/stdout" || fail "text report lacks 100% agreement"
grep -q '^result: *PASS$' "$t/stdout" || fail "text report does not say PASS"
pass
