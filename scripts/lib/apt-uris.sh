#!/usr/bin/env bash
# apt-uris.sh - sourced helper: machine_uris prints the Debian archive URI(s) of
# the machine's own bookworm apt entries, so project scripts can reach other
# suites (source packages, kernels, debootstrap) without naming any host.

# Print the archive URI(s) of the machine's bookworm (not -security/-updates)
# entries: deb822 .sources first, one-line .list format as fallback.
machine_uris() {
  local f found=""
  shopt -s nullglob
  for f in /etc/apt/sources.list.d/*.sources; do
    found+=$(awk '
      BEGIN { RS = ""; FS = "\n" }            # one deb822 stanza per record
      {
        uris = ""; suites = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^[ \t]*#/) continue
          if (match(line, /^[A-Za-z-]+:/)) {
            key = tolower(substr(line, 1, RLENGTH - 1))
            val = substr(line, RLENGTH + 1)
            gsub(/^[ \t]+|[ \t]+$/, "", val)
            if (key == "uris") uris = val
            else if (key == "suites") suites = val
            else if (key == "enabled") enabled = tolower(val)
          }
        }
        if (enabled == "no" || uris == "") next
        n = split(suites, s, /[ \t]+/)
        for (j = 1; j <= n; j++) if (s[j] == "bookworm") { print uris; break }
      }' "$f")$'\n'
  done
  if [[ -z "${found//[[:space:]]/}" ]]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f "$f" ]] || continue
      # deb [opts] URI SUITE COMPONENT...
      found+=$(awk '
        /^[ \t]*deb(-src)?[ \t]/ {
          sub(/^[ \t]*deb(-src)?[ \t]+/, "")
          if ($0 ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "")
          if ($2 == "bookworm") print $1
        }' "$f")$'\n'
    done
  fi
  shopt -u nullglob
  # one URI per line, de-duplicated, order kept
  tr -s '[:blank:]' '\n' <<<"$found" | awk 'NF && !seen[$0]++'
}
