#!/bin/bash
# The zsh and fish completion files generated from the CLI definition (<build>/share/
# completions/_erofs-share and erofs-share.fish) are what `erofs-share completion SHELL`
# prints, parse (zsh -n, fish -n) and load: zsh with compinit registers _erofs-share for
# erofs-share; fish completes the commands and the choices of scan --format.
# zsh and fish come from scripts/install-deps.sh.
. "$(dirname "$0")/common.sh"

: "${EROFS_SHARE_COMPLETIONS:?set EROFS_SHARE_COMPLETIONS to <build>/share/completions (CTest does this)}"
command -v zsh >/dev/null || fail "zsh is not installed (scripts/install-deps.sh installs it)"
command -v fish >/dev/null || fail "fish is not installed (scripts/install-deps.sh installs it)"
zfile=$EROFS_SHARE_COMPLETIONS/_erofs-share
ffile=$EROFS_SHARE_COMPLETIONS/erofs-share.fish
es completion zsh | cmp - "$zfile" || fail "$zfile differs from 'erofs-share completion zsh'"
es completion fish | cmp - "$ffile" || fail "$ffile differs from 'erofs-share completion fish'"

zsh -n "$zfile" || fail "zsh -n $zfile"
HOME=$t zsh -f -c '
  fpath=("$1" $fpath)
  autoload -Uz compinit && compinit -u -d "$HOME/zcompdump"
  [[ $_comps[erofs-share] == _erofs-share ]] || { print -u2 "not registered: ${_comps[erofs-share]-none}"; exit 1 }
  autoload -Uz _erofs-share && functions _erofs-share >/dev/null' zsh "$EROFS_SHARE_COMPLETIONS" \
  2>"$t/zsh.err" || fail "zsh compinit: $(cat "$t/zsh.err")"
[ ! -s "$t/zsh.err" ] || fail "zsh printed: $(cat "$t/zsh.err")"

fish -n "$ffile" || fail "fish -n $ffile"
HOME=$t XDG_CONFIG_HOME=$t/config XDG_DATA_HOME=$t/data fish --no-config -c "source '$ffile'; complete -C'erofs-share '" \
  >"$t/fish-top" 2>"$t/fish.err" || fail "fish: $(cat "$t/fish.err")"
[ ! -s "$t/fish.err" ] || fail "fish printed: $(cat "$t/fish.err")"
es --help >"$t/help"
for cmd in $(sed -n '/^Subcommands:/,/^$/p' "$t/help" | grep -oE '^  [a-z][a-z0-9-]*' | tr -d ' '); do
  grep -q "^$cmd"$'\t' "$t/fish-top" || fail "fish does not offer $cmd: $(cat "$t/fish-top")"
done
HOME=$t XDG_CONFIG_HOME=$t/config XDG_DATA_HOME=$t/data fish --no-config -c "source '$ffile'; complete -C'erofs-share scan --format '" \
  | cut -f1 | sort | tr '\n' ' ' >"$t/fish-fmt"
[ "$(cat "$t/fish-fmt")" = "csv html json text " ] || fail "fish scan --format: $(cat "$t/fish-fmt")"

pass
