#!/bin/bash
# 12-bad-input.t — bad input gets one clear message naming the file:line or the
# feed, the run goes on where it can, the exit status says what happened, and
# the state database keeps what it had.
#
# Exit status of `newswatch once` (README "Exit status"):
#   0 ok · 1 some feed or channel failed · 2 usage · 3 config or watchlist
#   errors (nothing is polled) · 4 state database unusable
. "$(dirname "$0")/once-lib.sh"
require_binary

good=$T/good.conf
write_config "$good" wire wire.rss review review.atom
have_sqlite=0
command -v sqlite3 > /dev/null && have_sqlite=1

db_dump() {     # a stable picture of the state database, or its checksum
	if [ "$have_sqlite" = 1 ]; then
		sqlite3 "$1" .dump 2>&1
	else
		cksum < "$1"
	fi
}

# A state folder that already knows every fixture item.
state=$T/state
run_once "$T/seed" -c "$good" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 0 "setup: a good run fills the state database"
before=$(db_dump "$state/newswatch.db")

# --- 1. missing config file ----------------------------------------------------------
run_once "$T/c1" -c "$T/does-not-exist.conf" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 3 "missing config: exit 3"
like "$(cat "$T/c1.err")" "does-not-exist\.conf" "missing config: the message names the file"
is "$(grep -c . "$T/c1.err")" 1 "missing config: one message"
is "$(grep -c . "$T/c1.out")" 0 "missing config: nothing on stdout"

# --- 2. unknown key -------------------------------------------------------------------
bad=$T/unknown-key.conf
cp "$good" "$bad"
printf '\n[feed third]\nurl = file://%s/feeds/wire.rss\ncolour = blue\n' "$T" >> "$bad"
line=$(grep -n '^colour' "$bad" | cut -d: -f1)
run_once "$T/c2" -c "$bad" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 3 "unknown key: exit 3"
like "$(cat "$T/c2.err")" "unknown-key\.conf:$line: .*colour" "unknown key: the message is file:$line and names the key"
is "$(grep -c . "$T/c2.err")" 1 "unknown key: one message"

# --- 3. bad values -------------------------------------------------------------------
bad=$T/bad-value.conf
write_config "$bad" wire wire.rss review review.atom
sed -i 's/^backfill_hours = 0$/backfill_hours = lots/' "$bad"
printf 'interval = every now and then\n' >> "$bad"      # in the last [feed review]
l1=$(grep -n '^backfill_hours' "$bad" | cut -d: -f1)
l2=$(grep -n '^interval' "$bad" | cut -d: -f1)
run_once "$T/c3" -c "$bad" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 3 "bad values: exit 3"
like "$(cat "$T/c3.err")" "bad-value\.conf:$l1: .*backfill_hours" "bad number: file:$l1 and the key"
like "$(cat "$T/c3.err")" "bad-value\.conf:$l2: .*interval" "bad duration: file:$l2 and the key (every error reported in one run)"
is "$(grep -c . "$T/c3.err")" 2 "bad values: one message each"

# --- 4. watchlist syntax error --------------------------------------------------------
wl=$T/watchlists
mkdir -p "$wl"
cp "$WATCHLISTS"/*.watch "$wl/"
victim=$(ls "$wl"/*.watch | head -1)
printf 'this line is not watchlist syntax [\n' >> "$victim"
line=$(wc -l < "$victim")
run_once "$T/w1" -c "$good" --state-dir "$state" --watchlists "$wl"
is "$rc" 3 "watchlist syntax error: exit 3"
like "$(cat "$T/w1.err")" "$(basename "$victim"):$line: " "watchlist syntax error: the message is file:$line"
is "$(grep -vc '^warning: ' "$T/w1.err")" 1 "watchlist syntax error: one message"
is "$(grep -c . "$T/w1.out")" 0 "watchlist syntax error: nothing polled, nothing printed"

# --- 5. bad command line -------------------------------------------------------------
run_once "$T/u1" --no-such-option -c "$good" --state-dir "$state"
is "$rc" 2 "unknown option: exit 2"
like "$(cat "$T/u1.err")" "no-such-option" "unknown option: the message names it"

# --- the state database survived all of that ---------------------------------------
is "$(db_dump "$state/newswatch.db")" "$before" "config and watchlist errors leave the state database untouched"
run_once "$T/after" -c "$good" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 0 "good run after the bad ones exits 0"
like "$(cat "$T/after.out")" "^0 new alerts, $FIXTURE_ITEMS items already seen" \
     "good run after the bad ones: 0 new alerts, $FIXTURE_ITEMS items already seen"

# --- 6. feeds that cannot be read or parsed, beside good ones -----------------------
mixed=$T/mixed.conf
write_config "$mixed" wire wire.rss gone missing.rss html not-a-feed.html review review.atom
state2=$T/state2
run_once "$T/f1" -c "$mixed" --state-dir "$state2" --watchlists "$WATCHLISTS"
is "$rc" 1 "unreadable and unparseable feeds: exit 1"
is "$(grep -c 'feed "gone"' "$T/f1.err")" 1 "missing file: one message naming the feed"
like "$(grep 'feed "gone"' "$T/f1.err")" 'missing\.rss|[Nn]o such file|[Cc]ouldn.t (open|read)' "missing file: the message says what went wrong"
is "$(grep -c 'feed "html"' "$T/f1.err")" 1 "HTML page: one message naming the feed"
like "$(grep 'feed "html"' "$T/f1.err")" '[Hh][Tt][Mm][Ll]|not a feed|no feed' "HTML page: the message says it is not a feed"
is "$(alert_pairs_text "$T/f1.out")" "$EXPECTED_PAIRS" "the good feeds still alert, exactly as without the bad ones"
like "$(cat "$T/f1.out")" "^$FIXTURE_ALERTS new alerts, 0 items already seen, 2 of 4 feeds failed" \
     "summary counts the failed feeds"
run_once "$T/f2" -c "$mixed" --state-dir "$state2" --watchlists "$WATCHLISTS"
is "$rc" 1 "second mixed run: still exit 1"
like "$(cat "$T/f2.out")" "^0 new alerts, $FIXTURE_ITEMS items already seen, 2 of 4 feeds failed" \
     "second mixed run: the good feeds' items are remembered"
# The feed comes back: its items are new, the others still seen.
cp "$T/feeds/wire.rss" "$T/feeds/missing.rss"
sed -i 's/wire-000/gone-000/; s|wire\.example\.com/2026/02/10/hegseth-udcg|wire.example.com/gone/hegseth-udcg|' "$T/feeds/missing.rss"
run_once "$T/f3" -c "$mixed" --state-dir "$state2" --watchlists "$WATCHLISTS"
is "$rc" 1 "a feed that comes back: exit 1 while the HTML one still fails"
is "$(grep -c 'feed "gone"' "$T/f3.err")" 0 "the feed that came back has no error"
like "$(cat "$T/f3.out")" "items already seen, 1 of 4 feeds failed" "only the HTML feed still fails"

# --- 7. an unusable state database ------------------------------------------------------
state3=$T/state3
mkdir -p "$state3"
printf 'this is not an SQLite database, and must survive\n' > "$state3/newswatch.db"
cp "$state3/newswatch.db" "$T/garbage.copy"
run_once "$T/s1" -c "$good" --state-dir "$state3" --watchlists "$WATCHLISTS"
is "$rc" 4 "garbage state database: exit 4"
like "$(cat "$T/s1.err")" "state3/newswatch\.db" "garbage state database: the message names the file"
is "$(grep -cE '^\[[a-z]+\] ' "$T/s1.out")" 0 "garbage state database: no alerts printed"
# The bytes survive: left in place or moved aside (newswatch.db.corrupt-STAMP).
kept=1
for f in "$state3"/newswatch.db*; do
	cmp -s "$f" "$T/garbage.copy" && kept=0
done
ok "$kept" "garbage state database: its bytes are kept (in place or moved aside)"

state4=$T/state4-is-a-file
printf 'x\n' > "$state4"
run_once "$T/s2" -c "$good" --state-dir "$state4" --watchlists "$WATCHLISTS"
is "$rc" 4 "state folder that is a file: exit 4"
like "$(cat "$T/s2.err")" "state4-is-a-file" "state folder that is a file: the message names it"

done_testing
