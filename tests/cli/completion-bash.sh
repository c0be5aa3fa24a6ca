#!/bin/bash
# The bash completion generated from the CLI definition (<build>/share/completions/
# erofs-share.bash, the same as `erofs-share completion bash`), sourced in bash and driven
# as bash drives it: COMP_WORDS/COMP_CWORD set, the completion function called, COMPREPLY
# checked for the commands, options of scan and the choices of --format.
. "$(dirname "$0")/common.sh"

: "${EROFS_SHARE_COMPLETIONS:?set EROFS_SHARE_COMPLETIONS to <build>/share/completions (CTest does this)}"
script=$EROFS_SHARE_COMPLETIONS/erofs-share.bash
[ -f "$script" ] || fail "$script was not generated"
es completion bash >"$t/generated.bash"
cmp "$t/generated.bash" "$script" || fail "$script differs from 'erofs-share completion bash'"
es --help >"$t/help"
commands=$(sed -n '/^Subcommands:/,/^$/p' "$t/help" | grep -oE '^  [a-z][a-z0-9-]*' | tr -d ' ')
[ -n "$commands" ] || fail "no commands in --help"

# complete WORD...: the words bash would offer for the last (possibly empty) WORD.
complete_words() {
  bash --norc --noprofile -c '
    source "$1"; shift
    fn=$(complete -p erofs-share | sed -E "s/.*-F ([^ ]+).*/\1/")
    COMP_WORDS=(erofs-share "$@"); COMP_CWORD=$#
    COMP_LINE="erofs-share $*"; COMP_POINT=${#COMP_LINE}
    "$fn" erofs-share "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$script" "$@"
}

complete_words "" >"$t/top"
for cmd in $commands; do grep -qx "$cmd" "$t/top" || fail "'$cmd' not offered: $(tr '\n' ' ' <"$t/top")"; done
if grep -qx completion "$t/top"; then fail "the hidden completion command is offered"; fi
complete_words "sc" >"$t/sc"
[ "$(cat "$t/sc")" = scan ] || fail "'sc' completes to: $(cat "$t/sc")"
complete_words scan --man >"$t/opts"
grep -qx -- --manifest-out "$t/opts" && grep -qx -- --manifest-cache "$t/opts" || fail "scan --man: $(cat "$t/opts")"
complete_words scan --pro >"$t/opts"
grep -qx -- --progress "$t/opts" || fail "scan --pro: $(cat "$t/opts")"
complete_words scan --format "" >"$t/fmt"
[ "$(sort "$t/fmt" | tr '\n' ' ')" = "csv html json text " ] || fail "scan --format: $(tr '\n' ' ' <"$t/fmt")"
complete_words lint --format "" >"$t/fmt"
grep -qx sarif "$t/fmt" && grep -qx gitlab "$t/fmt" || fail "lint --format: $(tr '\n' ' ' <"$t/fmt")"
complete_words lint --color "" >"$t/color"
[ "$(sort "$t/color" | tr '\n' ' ')" = "always auto never " ] || fail "lint --color: $(tr '\n' ' ' <"$t/color")"
# A value that is a file, and an input after the options: files.
mkdir -p "$t/dir" && : >"$t/dir/image.erofs"
complete_words inspect -o "$t/dir/im" >"$t/file"
grep -qx "$t/dir/image.erofs" "$t/file" || fail "inspect -o FILE: $(cat "$t/file")"
complete_words inspect "$t/dir/im" >"$t/file"
grep -qx "$t/dir/image.erofs" "$t/file" || fail "inspect IMAGE: $(cat "$t/file")"

pass
