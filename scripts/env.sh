# shellcheck shell=bash
# env.sh - set up the environment erofs-share's builds and tests expect.
#
# Source it (bash):   source scripts/env.sh
# It makes sure the Debian packages are installed (scripts/install-deps.sh,
# instant when they are), that erofs-utils >= 1.9 is built in the cache dir
# (scripts/erofs-utils.sh, instant when cached), and exports:
#
#   EROFS_SHARE_CACHE   cache dir outside the clone
#                       [${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share]
#   MKFS_EROFS_15 FSCK_EROFS_15 DUMP_EROFS_15   Debian 12's erofs-utils 1.5
#   MKFS_EROFS_19 FSCK_EROFS_19 DUMP_EROFS_19   the erofs-utils >= 1.9 build
#   CONTAINERD_BIN_DIR CONTAINERD_VERSION   Debian sid's containerd >= 2.1,
#                       unpacked in the cache dir (scripts/containerd.sh;
#                       instant when cached). If it cannot be had (no network)
#                       a warning is printed and both are empty: the tests
#                       that need a containerd node skip, saying why.
#   DUCKDB_NODE_MODULES  node_modules dir holding the npm package @duckdb/node-api
#                       (scripts/duckdb.sh; instant when cached). Empty, with a
#                       warning, if it cannot be had: the DuckDB tests then fail
#                       saying so.
#   BUILD_DIR           main CMake build tree  [<repo>/build]; a relative
#                       value is taken relative to the repository root
#
# Run instead of sourced (`bash scripts/env.sh`) it prints the export lines.
# The caller's shell options (set -e etc.) are left as they were; on failure
# it returns non-zero.

_erofs_share_env() {
  local root exports
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || return

  export EROFS_SHARE_CACHE="${EROFS_SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share}"

  bash "$root/scripts/install-deps.sh" || return
  exports=$(bash "$root/scripts/erofs-utils.sh") || return
  eval "$exports"
  if exports=$(bash "$root/scripts/containerd.sh"); then
    eval "$exports"
  else
    printf 'env.sh: warning: no containerd >= 2.1 (scripts/containerd.sh failed); containerd node tests will skip\n' >&2
    export CONTAINERD_BIN_DIR="" CONTAINERD_VERSION=""
  fi

  if exports=$(bash "$root/scripts/duckdb.sh"); then
    eval "$exports"
  else
    printf 'env.sh: warning: no DuckDB (scripts/duckdb.sh failed); the DuckDB merge tests will fail\n' >&2
    export DUCKDB_NODE_MODULES=""
  fi

  BUILD_DIR=${BUILD_DIR:-build}
  [[ "$BUILD_DIR" == /* ]] || BUILD_DIR="$root/$BUILD_DIR"
  export BUILD_DIR
}

# The status of the last command below is what `source` returns.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  # executed, not sourced: print what sourcing would export
  set -euo pipefail
  _erofs_share_env
  for _v in EROFS_SHARE_CACHE BUILD_DIR MKFS_EROFS_15 FSCK_EROFS_15 DUMP_EROFS_15 \
            MKFS_EROFS_19 FSCK_EROFS_19 DUMP_EROFS_19 CONTAINERD_BIN_DIR CONTAINERD_VERSION \
            DUCKDB_NODE_MODULES; do
    printf 'export %s=%q\n' "$_v" "${!_v}"
  done
else
  _erofs_share_env
fi
