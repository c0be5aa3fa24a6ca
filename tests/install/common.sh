# shellcheck shell=bash
# Sourced by tests/install/*.sh: tests/cli/common.sh, plus teardown hooks that run before the
# test ends in every way (pass, fail, skip, a failing command), so a mount made in the scratch
# dir is always undone before anything removes it.
#
# Environment (CTest sets it from tests/install/CMakeLists.txt), beyond tests/cli/common.sh's:
#   EROFS_SHARE_BUILD_DIR   the build tree to install or package
#   CMAKE, CPACK            the cmake and cpack of that build
# A run killed by its timeout may have left a mount in its scratch dir (tests/cli/common.sh
# removes that dir): undo such mounts first, deepest first.
_scratch=${EROFS_SHARE_SCRATCH:-${TMPDIR:-/tmp}/erofs-share-cli}/$(basename "$0" .sh)
if [ -d "$_scratch" ] && command -v findmnt >/dev/null; then
  findmnt -rn -o TARGET | grep -F "$_scratch/" | sort -r | while read -r m; do umount "$m" || umount -l "$m"; done
fi
# shellcheck source=../cli/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../cli/common.sh"
: "${EROFS_SHARE_BUILD_DIR:?set EROFS_SHARE_BUILD_DIR to the build tree (CTest does this)}"
: "${CMAKE:=cmake}" "${CPACK:=cpack}"

teardown_hooks=()
# at_teardown CMD...: run CMD (once) when the test ends; the last registered runs first.
at_teardown() { teardown_hooks=("$*" "${teardown_hooks[@]}"); }
run_teardown() {
  local h
  for h in "${teardown_hooks[@]}"; do eval "$h" || true; done
  teardown_hooks=()
}

# The cli helpers, renamed, run after the hooks.
eval "cli_$(declare -f fail)"
eval "cli_$(declare -f on_error)"
eval "cli_$(declare -f on_exit)"
fail() { run_teardown; cli_fail "$@"; }
on_error() {
  local code=$?
  run_teardown
  (exit "$code") || cli_on_error "$@"
}
on_exit() { run_teardown; cli_on_exit; }

# timed NAME CMD...: runs CMD and appends "NAME: N s" to $timings (printed by report_timings).
timings=""
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  timings+="$name: $((SECONDS - start)) s; "
}
report_timings() { printf '%s: timings: %s\n' "$testname" "${timings%; }"; }
