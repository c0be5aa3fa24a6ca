#!/bin/bash
# run_fuzz_container.sh FUZZER WORKDIR SECONDS
# Writes the seed corpus (container_seeds.py: layers, OCI and docker archives), then runs the
# libFuzzer binary for SECONDS with seed FUZZ_SEED (default 1). Exits non-zero on any crash,
# sanitizer report, timeout or out-of-memory.
set -euo pipefail
fuzzer=$1 work=$2 seconds=${3:-60}
rm -rf "$work"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
python3 "$(dirname "$0")/container_seeds.py" "$work/seeds"
ls -l "$work/seeds"
set +e
"$fuzzer" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds" 2>&1 | tail -n 40
status=${PIPESTATUS[0]}
set -e
if [[ $status -ne 0 ]]; then
  echo "run_fuzz_container.sh: FAIL: the fuzzer exited with $status; reproducer(s) in $work/artifacts:" >&2
  ls -l "$work/artifacts" >&2
  exit 1
fi
echo "run_fuzz_container.sh: no crash in ${seconds}s"
