#!/usr/bin/env bash
# private-apt.sh - sourced helper: a private apt configuration under the cache
# dir for reaching other Debian suites (sid, trixie-backports, ...) without
# touching the machine's own apt setup. The archive URI(s) are copied from the
# machine's own sources (see apt-uris.sh); no host name is written here.
#
#   private_apt_setup DIR TYPES SUITES
#       DIR     where lists, cache and the sources file live
#       TYPES   "deb", "deb-src" or "deb deb-src"
#       SUITES  space-separated suite names
#   then: papt_get ARGS...   (apt-get with the private options)
#         papt_cache ARGS... (apt-cache with the private options)
#         papt_update        (apt-get update; log in DIR/update.log; warns on
#                             problems, upgrades debian-archive-keyring once
#                             if the suite's key is unknown)
#
# Env: EROFS_SHARE_DEBIAN_URIS overrides the copied URI(s).
# The caller defines log() and die().

# shellcheck source=apt-uris.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-uris.sh"

PAPT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
PAPT_OPTS=()
PAPT_DIR=""
PAPT_SANDBOXED=0

private_apt_setup() {
  local dir=$1 types=$2 suites=$3 uris sources
  PAPT_DIR=$dir
  sources="$dir/private.sources"
  mkdir -p "$dir/sources.list.d" "$dir/lists/partial" "$dir/cache/archives/partial"
  if [[ -n "${EROFS_SHARE_DEBIAN_URIS:-}" ]]; then
    uris=$EROFS_SHARE_DEBIAN_URIS
  else
    uris=$(machine_uris | tr '\n' ' ')
    uris=${uris% }
  fi
  [[ -n "$uris" ]] || die "found no 'bookworm' entry in the machine's apt sources to copy the archive URI from; set EROFS_SHARE_DEBIAN_URIS"
  [[ -r "$PAPT_KEYRING" ]] || die "$PAPT_KEYRING missing; install debian-archive-keyring"
  cat >"$sources.tmp" <<EOS
# Written by erofs-share scripts: used only through private apt options; the
# machine's own apt sources are unchanged.
Types: $types
URIs: $uris
Suites: $suites
Components: main
Signed-By: $PAPT_KEYRING
EOS
  mv -f "$sources.tmp" "$sources"
  PAPT_OPTS=(
    -o "Dir::Etc::SourceList=$sources"
    -o "Dir::Etc::SourceParts=$dir/sources.list.d"
    -o "Dir::State::Lists=$dir/lists"
    -o "Dir::Cache=$dir/cache"
    -o "Acquire::Languages=none"
  )
  # apt downloads as the unprivileged _apt user when run as root; if _apt cannot
  # reach DIR (e.g. under a mode-0700 $HOME) say so explicitly instead of
  # letting apt warn. Signatures are checked either way.
  PAPT_SANDBOXED=0
  if [[ "$(id -u)" == 0 ]]; then
    if id _apt >/dev/null 2>&1 && runuser -u _apt -- test -x "$dir" 2>/dev/null; then
      PAPT_SANDBOXED=1   # downloads run as _apt: target dirs must be writable by it
    else
      PAPT_OPTS+=(-o "APT::Sandbox::User=root")
    fi
  fi
}

papt_get() { apt-get -q "${PAPT_OPTS[@]}" "$@"; }
papt_cache() { apt-cache "${PAPT_OPTS[@]}" "$@"; }

papt_update() {
  local update_log="$PAPT_DIR/update.log"
  papt_get update >"$update_log" 2>&1 || true
  if grep -q 'NO_PUBKEY\|EXPKEYSIG' "$update_log" && [[ "$(id -u)" == 0 ]]; then
    # The suite is signed only by keys newer than the installed keyring; try a
    # newer debian-archive-keyring from the machine's own sources.
    log "archive key unknown to the installed keyring; upgrading debian-archive-keyring"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --only-upgrade debian-archive-keyring >/dev/null || true
    papt_get update >"$update_log" 2>&1 || true
  fi
  if grep -q '^[EW]: ' "$update_log"; then
    log "apt-get update reported problems (continuing with whatever verified indexes it has):"
    grep '^[EW]: ' "$update_log" | sed 's/^/  /' >&2
  fi
}

# papt_pick_version WHAT AVAILABLE PINNED MIN [HINT]: prints the version to use: PINNED if the
# suites offer it, else the newest of AVAILABLE (one per line); fails (status 1, message on
# stderr) if PINNED is not offered or the choice is older than MIN. Call as
# `v=$(papt_pick_version ...) || exit 1`. Uses $SUITES for messages.
papt_pick_version() {
  local what=$1 available=$2 pinned=$3 min=$4 hint=${5:-} v best=""
  if [[ -n "$pinned" ]]; then
    if ! grep -qxF "$pinned" <<<"$available"; then
      printf '%s: ERROR: %s %s not offered by suite(s) %s (available: %s)\n' "$what" "$what" "$pinned" "'$SUITES'" \
        "$(paste -sd ' ' <<<"$available")" >&2
      return 1
    fi
    best=$pinned
  else
    while read -r v; do
      if [[ -z "$best" ]] || dpkg --compare-versions "$v" ge "$best"; then best=$v; fi
    done <<<"$available"
  fi
  if ! dpkg --compare-versions "$best" ge "$min"; then
    printf '%s: ERROR: the newest %s in suite(s) %s is %s; need >= %s%s\n' "$what" "$what" "'$SUITES'" "$best" "$min" \
      "${hint:+ ($hint)}" >&2
    return 1
  fi
  printf '%s\n' "$best"
}
