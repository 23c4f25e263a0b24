#!/bin/bash
# 90-docs.t — the documentation stays true: the README starts with the two
# quick-start commands, .ci/run calls the README's test command, every
# command the README lists exists, the example config passes `check`, the
# README's watchlist example loads, and no ini example carries a trailing
# comment (a key file reads it as part of the value).
. "$(dirname "$0")/once-lib.sh"
require_binary
cd "$ROOT" || exit 1

first_block=$(awk '/^```sh/{b=1;next} /^```/{if(b)exit} b' README.md)
like "$first_block" '^make demo' "README's first command is make demo"
like "$(echo "$first_block" | sed -n 2p)" '^make check' "README's second command is make check"
like "$(grep -v '^#' .ci/run)" '^make check$' ".ci/run runs exactly make check"

help=$("$NEWSWATCH" --help)
for c in $(sed -n '/^## Command line/,/^## /p' README.md | grep -oE '^newswatch [a-z][a-z-]+' | awk '{print $2}' | sort -u); do
	like "$help" "^  $c " "newswatch --help lists '$c' (README's command line)"
done

out=$("$NEWSWATCH" check -c examples/newswatch.conf 2>&1)
like "$out" '^configuration OK' "examples/newswatch.conf passes check"

mkdir -p "$T/wl"
sed -n '/^\[Pete Hegseth\]/,/^```/p' README.md | grep -v '^```' > "$T/wl/readme.watch"
out=$("$NEWSWATCH" check --watchlists "$T/wl" 2>&1)
like "$out" '^configuration OK' "README's watchlist example loads"
out=$("$NEWSWATCH" match --watchlists "$T/wl" "Hegseth's remarks at the MSC in Munich" 2>&1)
like "$out" 'Pete Hegseth' "README's watchlist example matches what it promises"

trailing=$(for f in README.md docs/*.md watchlists/README.md examples/README.md; do
	awk -v F="$f" '/^```ini/{b=1;next} /^```/{b=0} b && /^[^#;].*[ \t]#/ {print F": "$0}' "$f"
done)
is "$trailing" "" "no ini example has a trailing comment"
done_testing
