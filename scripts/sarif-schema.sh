#!/usr/bin/env bash
# sarif-schema.sh - provide the official SARIF 2.1.0 JSON schema (OASIS
# sarif-schema-2.1.0.json) for the lint tests, and print its path.
#
# The schema is not in any Debian 12 package, but Debian ships it inside the
# Rust crate package librust-serde-sarif-dev (src/schema.json) in newer
# suites. This script downloads that .deb through a private apt configuration
# (scripts/lib/private-apt.sh; the archive URI is copied from the machine's own
# apt sources), checks that the file is the OASIS SARIF 2.1.0 schema, and keeps
# it under the cache dir; later runs need no network.
#
# Output: the schema's path on stdout. Progress on stderr.
# Env:
#   EROFS_SHARE_CACHE          cache dir  [${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share]
#   EROFS_SHARE_DEBIAN_SUITES  suites to search  [sid]
#   EROFS_SHARE_DEBIAN_URIS    archive URI(s) instead of the machine's own
set -euo pipefail

CACHE=${EROFS_SHARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erofs-share}
SUITES=${EROFS_SHARE_DEBIAN_SUITES:-sid}
PKG=librust-serde-sarif-dev
OUT="$CACHE/sarif/sarif-schema-2.1.0.json"

log() { printf 'sarif-schema: %s\n' "$*" >&2; }
die() { printf 'sarif-schema: ERROR: %s\n' "$*" >&2; exit 1; }

# is_sarif_schema FILE: the file is JSON with the OASIS 2.1.0 schema id.
is_sarif_schema() {
  python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s.get("$id", "").endswith("/sarif-schema-2.1.0.json"), s.get("$id")
assert "2.1.0" in s.get("title", ""), s.get("title")
assert "run" in s.get("definitions", {}) and "result" in s["definitions"]
PY
}

if [[ -f "$OUT" ]] && is_sarif_schema "$OUT" 2>/dev/null; then
  printf '%s\n' "$OUT"
  exit 0
fi

mkdir -p "$CACHE/sarif"
CACHE=$(cd "$CACHE" && pwd)
OUT="$CACHE/sarif/sarif-schema-2.1.0.json"
exec 9>"$CACHE/sarif/.lock"
flock 9

# shellcheck source=lib/private-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/private-apt.sh"
private_apt_setup "$CACHE/apt-bin" deb "$SUITES"
log "looking for $PKG in suite(s) '$SUITES'"
papt_update

work=$(mktemp -d "$CACHE/sarif/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
[[ $PAPT_SANDBOXED == 1 ]] && chown _apt "$work"
(cd "$work" && papt_get download "$PKG" >download.log 2>&1) ||
  { cat "$work/download.log" >&2; die "could not download $PKG from suite(s) '$SUITES'"; }
deb=$(ls "$work"/*.deb)
dpkg-deb -x "$deb" "$work/x"
schema=$(find "$work/x" -path '*/serde-sarif-*/src/schema.json' | head -n1)
[[ -n "$schema" ]] || die "$PKG ($(basename "$deb")) holds no serde-sarif-*/src/schema.json"
is_sarif_schema "$schema" || die "$schema is not the SARIF 2.1.0 schema"
cp "$schema" "$OUT.tmp"
mv -f "$OUT.tmp" "$OUT"
log "schema from $(basename "$deb") saved as $OUT"
printf '%s\n' "$OUT"
