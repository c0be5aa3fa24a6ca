#!/usr/bin/env bash
# test.sh - build erofs-share and run all of its test stages (README command b).
#
# Stages, all run by default (each one even if an earlier one failed):
#   main  RelWithDebInfo build in $BUILD_DIR (build/), full `ctest`
#   asan  ASan+UBSan build (-DEROFS_SHARE_SANITIZE=ON) in build-asan/,
#         `ctest -L hostile`
#   fuzz  clang libFuzzer build (-DEROFS_SHARE_FUZZ=ON) in build-fuzz/,
#         `ctest -L fuzz`
# Exits non-zero if any stage fails and ends with a one-line summary.
#
# scripts/env.sh runs first (installs packages, builds erofs-utils >= 1.9 once)
# and exports MKFS_EROFS_15/19, FSCK_EROFS_15/19, DUMP_EROFS_15/19 and
# EROFS_SHARE_CACHE, which the tests read.
#
# Env for local iteration:
#   EROFS_SHARE_SKIP_MAIN=1 / EROFS_SHARE_SKIP_ASAN=1 / EROFS_SHARE_SKIP_FUZZ=1
#   BUILD_DIR, ASAN_BUILD_DIR, FUZZ_BUILD_DIR   build trees
#                                  [build, build-asan, build-fuzz]
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
ASAN_BUILD_DIR=$(abs "${ASAN_BUILD_DIR:-build-asan}")
FUZZ_BUILD_DIR=$(abs "${FUZZ_BUILD_DIR:-build-fuzz}")

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

stage_asan() {
  cmake -S . -B "$ASAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DEROFS_SHARE_SANITIZE=ON -DEROFS_SHARE_BENCH=OFF &&
    cmake --build "$ASAN_BUILD_DIR" -j "$JOBS" --target erofs-share erofs_share_hostile &&
    ctest --test-dir "$ASAN_BUILD_DIR" -L hostile --output-on-failure --no-tests=error
}

stage_fuzz() {
  CC=clang CXX=clang++ \
    cmake -S . -B "$FUZZ_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DCMAKE_CXX_COMPILER=clang++ \
          -DEROFS_SHARE_FUZZ=ON -DEROFS_SHARE_BENCH=OFF &&
    cmake --build "$FUZZ_BUILD_DIR" -j "$JOBS" --target fuzz_open_image fuzz_container &&
    ctest --test-dir "$FUZZ_BUILD_DIR" -L fuzz --output-on-failure --no-tests=error
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
run_stage asan EROFS_SHARE_SKIP_ASAN
run_stage fuzz EROFS_SHARE_SKIP_FUZZ

banner "summary"
line=$(printf '%s; ' "${summary[@]}")
line=${line%; }
if ((failed)); then
  echo "test.sh: FAIL -- $line"
  exit 1
fi
echo "test.sh: PASS -- $line"
