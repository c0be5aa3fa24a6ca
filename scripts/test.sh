#!/usr/bin/env bash
# test.sh - build erofs-share and run all of its test stages (README command b).
#
# Stages, both run by default (the second even if the first failed):
#   main  RelWithDebInfo build in $BUILD_DIR (build/), full `ctest`
#   san   one clang ASan+UBSan build (-DEROFS_SHARE_SANITIZE=ON -DEROFS_SHARE_FUZZ=ON) in
#         build-san/: the hostile-input tests (`ctest -L hostile`) and short libFuzzer runs
#         (`ctest -L fuzz`). One tree compiles core once for both (core carries the fuzzers'
#         coverage instrumentation, which the ASan runtime serves in the plain executables).
# Exits non-zero if any stage fails and ends with a one-line summary.
#
# scripts/env.sh runs first (installs packages, builds erofs-utils >= 1.9 once)
# and exports MKFS_EROFS_15/19, FSCK_EROFS_15/19, DUMP_EROFS_15/19 and
# EROFS_SHARE_CACHE, which the tests read.
#
# Env for local iteration:
#   EROFS_SHARE_SKIP_MAIN=1 / EROFS_SHARE_SKIP_SAN=1   skip a stage
#   EROFS_SHARE_SKIP_ASAN=1 / EROFS_SHARE_SKIP_FUZZ=1  in the san stage, leave out the
#                                  hostile tests / the fuzz runs
#   BUILD_DIR, SAN_BUILD_DIR       build trees [build, build-san]
#   JOBS                           build parallelism [nproc]
#   CTEST_PARALLEL_LEVEL           honoured by ctest as usual
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=scripts/env.sh
if ! source scripts/env.sh; then
  echo "test.sh: FAIL (environment setup: scripts/env.sh failed)" >&2
  exit 1
fi

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
abs() { if [[ "$1" == /* ]]; then printf '%s\n' "$1"; else printf '%s\n' "$ROOT/$1"; fi; }
SAN_BUILD_DIR=$(abs "${SAN_BUILD_DIR:-build-san}")

# Sanitizer reports: full stack traces, stop at the first error.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1}

banner() { printf '\n==== test.sh: %s ====\n' "$*"; }

# Stages chain their commands with && (set -e does not apply inside a
# function whose status is tested).

stage_main() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    cmake --build "$BUILD_DIR" -j "$JOBS" &&
    ctest --test-dir "$BUILD_DIR" -j "$JOBS" --output-on-failure --no-tests=error
}

stage_san() {
  local targets=() labels=()
  if [[ "${EROFS_SHARE_SKIP_ASAN:-0}" != 1 ]]; then
    targets+=(erofs-share erofs_share_hostile)
    labels+=(hostile)
  fi
  if [[ "${EROFS_SHARE_SKIP_FUZZ:-0}" != 1 ]]; then
    targets+=(erofs_share_fuzzers)
    labels+=(fuzz)
  fi
  if ((${#labels[@]} == 0)); then
    echo "test.sh: san stage: nothing to run (SKIP_ASAN=1 and SKIP_FUZZ=1)"
    return 0
  fi
  local IFS='|'
  CC=clang CXX=clang++ \
    cmake -S . -B "$SAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
          -DEROFS_SHARE_SANITIZE=ON -DEROFS_SHARE_FUZZ=ON -DEROFS_SHARE_BENCH=OFF &&
    cmake --build "$SAN_BUILD_DIR" -j "$JOBS" --target "${targets[@]}" &&
    ctest --test-dir "$SAN_BUILD_DIR" -j "$JOBS" -L "^(${labels[*]})\$" \
          --output-on-failure --no-tests=error
}

summary=()
failed=0
run_stage() {
  local name=$1 skip_var=$2 start rc
  if [[ "${!skip_var:-0}" == 1 ]]; then
    summary+=("$name: skipped ($skip_var=1)")
    return
  fi
  banner "stage $name"
  start=$SECONDS
  "stage_$name"
  rc=$?
  if ((rc == 0)); then
    summary+=("$name: ok ($((SECONDS - start))s)")
  else
    summary+=("$name: FAILED, exit $rc ($((SECONDS - start))s)")
    failed=1
  fi
}

run_stage main EROFS_SHARE_SKIP_MAIN
run_stage san EROFS_SHARE_SKIP_SAN

banner "summary"
line=$(printf '%s; ' "${summary[@]}")
line=${line%; }
if ((failed)); then
  echo "test.sh: FAIL -- $line"
  exit 1
fi
echo "test.sh: PASS -- $line"
