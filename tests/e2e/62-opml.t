#!/bin/bash
# 62-opml.t — import-opml appends [feed NAME] sections safely (comments kept,
# nothing written on errors, symlinked configs edited in place, idempotent);
# export-opml prints valid OPML 2.0; export → import is a round trip.
. "$(dirname "$0")/once-lib.sh"
require_binary
OPML=$ROOT/tests/fixtures/opml

conf=$T/newswatch.conf
cat > "$conf" <<'CONF'
# my newswatch config — this comment must survive an import
[general]
# a comment before a key
interval = 20m

[feed wire]
url = https://wire.example.com/rss
CONF
cp "$conf" "$T/before.conf"

rc=0; "$NEWSWATCH" import-opml -c "$conf" --dry-run "$OPML/reader.opml" > "$T/dry.out" 2> "$T/dry.err" || rc=$?
is "$rc" 0 "--dry-run exits 0"
cmp -s "$conf" "$T/before.conf"; ok $? "--dry-run changes nothing"
like "$(cat "$T/dry.out")" '^\[feed Breaking Defense\]$' "--dry-run prints the sections"

rc=0; "$NEWSWATCH" import-opml -c "$conf" "$OPML/reader.opml" > "$T/imp.out" 2> "$T/imp.err" || rc=$?
is "$rc" 0 "import-opml exits 0"
like "$(cat "$T/imp.out")" '^imported 6 feeds into ' "6 feeds imported (file:// skipped)"
like "$(cat "$T/imp.err")" 'reader.opml:[0-9]+: skipped "file:///etc/passwd"' "a file:// outline is skipped with file:line"
head -5 "$T/before.conf" > "$T/head.expected"
head -5 "$conf" > "$T/head.got"
cmp -s "$T/head.got" "$T/head.expected"; ok $? "the existing text and comments are kept as they were"
for want in '^\[feed Breaking Defense\]$' '^\[feed War on the Rocks\]$' '^\[feed Kyiv Independent news\]$' \
            '^\[feed Defense News & Analysis\]$' '^\[feed Breaking Defense \(2\)\]$' \
            '^url = https://www.defensenews.com/arc/outboundfeeds/rss/\?outputType=xml$' \
            '^# folder: Defence / Europe$'; do
	grep -Eq "$want" "$conf"; ok $? "config has $want"
done
ok "$(grep -c '^\[feed https://example.org/untitled.xml\]$' "$conf" | grep -qx 1; echo $?)" \
   "an untitled outline is named after its URL"
rc=0; "$NEWSWATCH" check -c "$conf" --watchlists "$WATCHLISTS" > "$T/check.out" 2>&1 || rc=$?
is "$rc" 0 "newswatch check accepts the result"
like "$(cat "$T/check.out")" '7 feeds' "check counts 7 feeds"
perm=$(stat -c %a "$conf")
is "$perm" "$(stat -c %a "$T/before.conf")" "the file keeps its permissions"

cp "$conf" "$T/once.conf"
rc=0; "$NEWSWATCH" import-opml -c "$conf" "$OPML/reader.opml" > "$T/imp2.out" 2>/dev/null || rc=$?
like "$(cat "$T/imp2.out")" '^imported 0 feeds' "importing again adds nothing"
cmp -s "$conf" "$T/once.conf"; ok $? "... and leaves the file untouched"

# Broken OPML or a broken config: exit non-zero, nothing written.
rc=0; "$NEWSWATCH" import-opml -c "$conf" "$OPML/broken.opml" > /dev/null 2> "$T/broken.err" || rc=$?
[ "$rc" -ne 0 ]; ok $? "a malformed OPML file fails (exit $rc)"
like "$(cat "$T/broken.err")" 'broken.opml:[0-9]+: not well-formed' "its error names file:line"
cmp -s "$conf" "$T/once.conf"; ok $? "nothing written for a malformed OPML file"
printf '[feed x]\nurl = ftp://nope\n' > "$T/bad.conf"
cp "$T/bad.conf" "$T/bad.before"
rc=0; "$NEWSWATCH" import-opml -c "$T/bad.conf" "$OPML/reader.opml" > /dev/null 2> "$T/bad.err" || rc=$?
is "$rc" 3 "a config with errors is left alone (exit 3)"
cmp -s "$T/bad.conf" "$T/bad.before"; ok $? "... unchanged"

# A symlinked config (dotfiles) is edited at its target; the link stays a link.
mkdir -p "$T/dotfiles"
printf '[general]\n' > "$T/dotfiles/nw.conf"
ln -s "$T/dotfiles/nw.conf" "$T/link.conf"
"$NEWSWATCH" import-opml -c "$T/link.conf" "$OPML/reader.opml" > /dev/null 2>&1
[ -L "$T/link.conf" ] && grep -q '^\[feed War on the Rocks\]$' "$T/dotfiles/nw.conf"
ok $? "a symlinked config is edited at its target and stays a symlink"

# Export: valid OPML 2.0, every feed; round trip into an empty config.
rc=0; "$NEWSWATCH" export-opml -c "$conf" > "$T/out.opml" 2> "$T/exp.err" || rc=$?
is "$rc" 0 "export-opml exits 0"
if command -v xmllint >/dev/null; then
	xmllint --noout "$T/out.opml"; ok $? "the export is well-formed XML (xmllint)"
fi
like "$(head -2 "$T/out.opml")" '<opml version="2.0">' "OPML 2.0"
is "$(grep -c '<outline ' "$T/out.opml")" 7 "one outline per feed"
like "$(cat "$T/out.opml")" 'text="Defense News &amp; Analysis"' "attribute values are escaped"
rc=0; "$NEWSWATCH" import-opml -c "$T/round.conf" "$T/out.opml" > /dev/null 2>&1 || rc=$?
is "$rc" 0 "the export imports into a new config file"
pairs() { "$NEWSWATCH" export-opml -c "$1" | grep -o 'text="[^"]*"[^>]*xmlUrl="[^"]*"' | LC_ALL=C sort; }
is "$(pairs "$conf" | wc -l)" 7 "export: seven name/URL pairs"
is "$(pairs "$T/round.conf")" "$(pairs "$conf")" "round trip: the same names and URLs"
is "$(stat -c %a "$T/round.conf")" 600 "a config created by import-opml is private (0600)"

done_testing
