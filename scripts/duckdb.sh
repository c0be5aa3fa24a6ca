#!/usr/bin/env bash
# duckdb.sh - provide DuckDB for the tests of share/scan/merge.sql: the npm package
# @duckdb/node-api (it ships the engine as a prebuilt Node.js addon), installed with npm into
# $EROFS_SHARE_CACHE/duckdb-node-<version>/ and reused without network once installed.
# Needs node and npm (scripts/install-deps.sh installs Debian's nodejs and npm if missing).
#
# Output: `export DUCKDB_NODE_MODULES=...` on stdout (eval "$(bash scripts/duckdb.sh)"), the
# node_modules dir holding @duckdb/node-api; tests/scan/duckdb_run.mjs finds it through
# NODE_PATH. Progress goes to stderr.
# Env: EROFS_SHARE_CACHE, EROFS_SHARE_DUCKDB_VERSION (npm version) [1.5.6-r.1]
set -euo pipefail
VERSION=${EROFS_SHARE_DUCKDB_VERSION:-1.5.6-r.1}
CACHE=${EROFS_SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share}
log() { printf 'duckdb: %s\n' "$*" >&2; }
die() { printf 'duckdb: ERROR: %s\n' "$*" >&2; exit 1; }
for tool in node npm flock; do
  command -v "$tool" >/dev/null || die "'$tool' not found; run scripts/install-deps.sh first"
done
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
exec 9>"$CACHE/.duckdb.lock"
flock 9
PREFIX="$CACHE/duckdb-node-$VERSION"
check() {
  NODE_PATH="$1/node_modules" node -e \
    "require('@duckdb/node-api').DuckDBInstance.create(':memory:').then(()=>process.exit(0),e=>{console.error(e.message);process.exit(1)})"
}
if ! [[ -f "$PREFIX/.erofs-share-complete" ]] || ! check "$PREFIX" 2>/dev/null; then
  log "npm install @duckdb/node-api@$VERSION into $PREFIX"
  rm -rf "$PREFIX.tmp"
  mkdir -p "$PREFIX.tmp"
  npm install --prefix "$PREFIX.tmp" --no-audit --no-fund --no-save --loglevel=error \
    "@duckdb/node-api@$VERSION" >&2 || die "npm install @duckdb/node-api@$VERSION failed"
  check "$PREFIX.tmp" || die "the installed @duckdb/node-api@$VERSION does not load in $(node --version)"
  rm -rf "$PREFIX"
  mv "$PREFIX.tmp" "$PREFIX"
  echo "version=$VERSION" >"$PREFIX/.erofs-share-complete"
fi
printf 'export DUCKDB_NODE_MODULES=%q\n' "$PREFIX/node_modules"
