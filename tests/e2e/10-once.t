#!/bin/bash
# 10-once.t — `newswatch once` end to end: the real binary, twice, over the
# fixture feeds (tests/fixtures/e2e) with the shipped watchlists, in a
# temporary state folder. The first run must print exactly the expected
# alerts; the second must print none and count every item as seen.
. "$(dirname "$0")/once-lib.sh"
require_binary

conf=$T/newswatch.conf
state=$T/state
write_config "$conf" wire wire.rss review review.atom

# --- first run ------------------------------------------------------------------
run_once "$T/run1" -c "$conf" --state-dir "$state" --watchlists "$WATCHLISTS"
out1=$(cat "$T/run1.out")
err1=$(cat "$T/run1.err")
is "$rc" 0 "first run exits 0"
is "$(alert_pairs_text "$T/run1.out")" "$EXPECTED_PAIRS" "first run: exactly the expected alerts, each on the expected entries"
is "$(grep -E '^\[[a-z]+\] ' "$T/run1.out" | sed 's/^\[[a-z]*\] [^:]*: //' | LC_ALL=C sort)" "$EXPECTED_TITLES" \
   "first run: each expected title alerts exactly once (the shared story too)"
like "$(grep -E '^\[[a-z]+\] ' "$T/run1.out")" '^\[[a-z]+\] (wire|review): ' "alert lines name the feed"
like "$out1" "^$FIXTURE_ALERTS new alerts, 0 items already seen" "first run summary: $FIXTURE_ALERTS new alerts, 0 seen"
for trap_title in Rammstein 'MSC Cruises' 'New England Patriots' 'Viennese waltz' 'MSc in Security'; do
	unlike "$out1" "$trap_title" "no alert for the \"$trap_title\" item"
done
like "$(grep -A1 '^\[[a-z]*\] wire: Hegseth to attend' "$T/run1.out" | tail -1)" \
     '^    https://wire\.example\.com/2026/02/10/hegseth-udcg  \(2026-02-10T19:05:00Z\)$' \
     "link and publication time (RFC 822 -0500 shown as UTC) under the title"
like "$out1" '    Pete Hegseth \([a-z]+\) on "[^"]+" in (title|summary): .*\[\[' \
     "match lines say entry, list, term, field and a marked snippet"
unlike "$err1" 'feed "' "first run: no feed errors on stderr"
ok "$([ -s "$state/newswatch.db" ]; echo $?)" "the state database exists in --state-dir"

# --- second run: everything already seen --------------------------------------------
run_once "$T/run2" -c "$conf" --state-dir "$state" --watchlists "$WATCHLISTS"
out2=$(cat "$T/run2.out")
is "$rc" 0 "second run exits 0"
is "$(grep -cE '^\[[a-z]+\] ' "$T/run2.out")" 0 "second run prints no alert"
like "$out2" "^0 new alerts, $FIXTURE_ITEMS items already seen" "second run summary: 0 new alerts, $FIXTURE_ITEMS items already seen"

# --- third run with -v: still nothing, and the state folder is reused -----------------
run_once "$T/run3" -v -c "$conf" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 0 "third run (-v) exits 0"
like "$(cat "$T/run3.out")" "^0 new alerts, $FIXTURE_ITEMS items already seen" "third run: still 0 new alerts"

# --- a new item appears in one feed: only it alerts --------------------------------
sed -i 's|</channel>|<item><title>Healey and Umerov sign a drone co-production deal</title><link>https://wire.example.com/2026/02/13/healey-umerov</link><guid isPermaLink="false">wire-0007</guid><pubDate>Fri, 13 Feb 2026 10:00:00 +0000</pubDate><description>British Defence Secretary John Healey met Rustem Umerov in London.</description></item></channel>|' "$T/feeds/wire.rss"
run_once "$T/run4" -c "$conf" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 0 "run after a new item exits 0"
is "$(grep -E '^\[[a-z]+\] ' "$T/run4.out" | sed 's/^\[[a-z]*\] //')" "wire: Healey and Umerov sign a drone co-production deal" \
   "only the new item alerts"
like "$(cat "$T/run4.out")" "^1 new alert, $FIXTURE_ITEMS items already seen" "summary: 1 new alert, $FIXTURE_ITEMS seen"

# --- the built-in default over the bundled sample feeds (what `make demo` runs) -------
# examples/README.md lists every item and why it does or does not alert.
DEMO_ALERTS=18
DEMO_ALERTING=$(LC_ALL=C sort <<'EOF'
defence-wire: Hegseth to attend Ukraine Defense Contact Group at NATO headquarters
defence-wire: Pentagon unveils $425 million drawdown package with HIMARS rounds and Patriot interceptors
defence-wire: Army awards USAI contracts for counter-drone interceptors
defence-wire: Rutte opens NATO defence ministers' meeting with call for faster air defence deliveries
defence-wire: Healey and Umerov sign UK-Ukraine drone co-production deal
defence-wire: UDCG co-chairs' statement commits to a winter air defence push
defence-wire: Waltz presses Security Council on ceasefire monitoring
defence-wire: Zelensky to headline Munich Security Conference
*: Allies pledge record military assistance for Ukraine at Ramstein-format meeting
europe-security: Zelenskyy at Munich Security Conference: "Europe's security is decided in Ukraine"
europe-security: MSC 2026: what to watch in Munich this weekend
europe-security: NATO defence ministers agree new capability targets
europe-security: Merz keeps door shut on Taurus cruise missiles for Kyiv
europe-security: Support tracker: European military aid overtakes US commitments
europe-security: G7 foreign ministers back a Ukraine energy repair fund
europe-security: Rutte and Zelenskyy meet on the sidelines in Munich
europe-security: Selenskyj auf der Münchner Sicherheitskonferenz: „Wir brauchen mehr Luftverteidigung“
europe-security: Rutte: „Europa muss mehr für die Ukraine tun“
EOF
)
# No -c and no user config: the built-in default, bundled watchlists under the data dir.
NEWSWATCH_DATADIR=$ROOT run_once "$T/demo1" --state-dir "$T/demo-state"
is "$rc" 0 "built-in default over examples/feeds exits 0"
like "$(cat "$T/demo1.out")" "^$DEMO_ALERTS new alerts, 0 items already seen" "demo: $DEMO_ALERTS new alerts on the first run"
# Both outlets carry the Allies story; whichever is polled first alerts.
is "$(grep -E '^\[[a-z]+\] ' "$T/demo1.out" | sed -E 's/^\[[a-z]*\] //; s/^[^:]+: (Allies pledge)/*: \1/' | LC_ALL=C sort)" \
   "$DEMO_ALERTING" "demo: exactly the items examples/README.md marks as alerting, each once"
NEWSWATCH_DATADIR=$ROOT run_once "$T/demo2" --state-dir "$T/demo-state"
like "$(cat "$T/demo2.out")" '^0 new alerts, 37 items already seen' "demo: second run says 0 new alerts, 37 items already seen"

done_testing
