#!/bin/bash
# 40-dedup.t — one alert per story, end to end: the real binary polls five
# fixture feeds twice (tests/fixtures/dedup/poll1, then poll2). The second poll
# brings edited titles, a CMS that re-issued every GUID, the same story in
# three other feeds (reworded, syndicated with tracking parameters, wrapped in
# a Google News link) and an edit that makes a new entry match. Exact alerts
# are checked, then `history`, then `forget`.
. "$(dirname "$0")/once-lib.sh"
require_binary

DEDUP=$ROOT/tests/fixtures/dedup
conf=$T/dedup.conf
state=$T/state
mkdir -p "$T/dd"
{
	echo "[general]"
	echo "# fixture items are dated in the past: alert on them anyway"
	echo "backfill_hours = 0"
	for f in un cms wire1 wire2 wire3; do
		printf '\n[feed %s]\nurl = file://%s/dd/%s.rss\n' "$f" "$T" "$f"
	done
} > "$conf"

poll() {        # poll N: copy the fixtures of poll N in place, run once --json
	cp "$DEDUP/poll$1"/*.rss "$T/dd/"
	rc=0
	"$NEWSWATCH" once --json -c "$conf" --state-dir "$state" --watchlists "$DEDUP/watchlists" \
		> "$T/poll$1.json" 2> "$T/poll$1.err" < /dev/null || rc=$?
}

# "feed | title | entries | follow_up" per alert, sorted.
summary() {
	"$PY" - "$1" <<'PYEOF'
import json, sys
rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    a = json.loads(line)
    entries = ",".join(sorted({m["entry"] for m in a.get("matches", [])}))
    rows.append("%s | %s | %s | %s" % (a["feed"], a["title"], entries, a.get("follow_up") or "-"))
print("\n".join(sorted(rows)))
PYEOF
}

sorted() { printf '%s\n' "$@" | LC_ALL=C sort; }

# --- poll 1 ------------------------------------------------------------------------
poll 1
is "$rc" 0 "poll 1 exits 0"
is "$(summary "$T/poll1.json")" "$(sorted \
	"un | Guterres calls for immediate ceasefire in Gaza | António Guterres | -" \
	"un | Guterres appalled by strike on UNRWA school | António Guterres | -" \
	"cms | Red Cross suspends aid convoys in Darfur after attack | Red Cross | -")" \
   "poll 1: exactly the three matching items alert"
like "$(cat "$T/poll1.err")" "^3 new alerts, 0 items already seen" "poll 1 summary"

# --- poll 2 ------------------------------------------------------------------------
poll 2
is "$rc" 0 "poll 2 exits 0"
is "$(summary "$T/poll2.json")" "$(sorted \
	"un | Guterres calls for immediate ceasefire in Gaza as WFP readies convoys | António Guterres,World Food Programme | World Food Programme" \
	"un | Security Council meets on Sudan as WFP warns of famine | World Food Programme | -")" \
   "poll 2: one follow-up naming only the new entry, one first match; no edit, re-issued GUID or other outlet alerts"
like "$(cat "$T/poll2.err")" "^2 new alerts, 7 items already seen" "poll 2 summary: the re-issued GUIDs count as seen (the 3 copies are new items of a known story)"
unlike "$(cat "$T/poll2.json")" '"feed":"(cms|wire[123])"' "no alert from the re-issuing CMS or the three other outlets"

# --- poll 3: nothing changed ---------------------------------------------------------
poll 2
is "$rc" 0 "poll 3 exits 0"
is "$(grep -c . "$T/poll2.json")" 0 "poll 3 (same documents again): no alert"

# --- history --------------------------------------------------------------------------
hist() { "$NEWSWATCH" history -c "$conf" --state-dir "$state" "$@" < /dev/null; }
hist --json > "$T/hist.json"
is "$(grep -c . "$T/hist.json")" 5 "history: all five alerts"
is "$("$PY" - "$T/hist.json" <<'PYEOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(line)
    if a["title"] == "Guterres calls for immediate ceasefire in Gaza":
        print(" ".join(sorted("%s<%s>" % (s["feed"], s["link"]) for s in a.get("sources", []))))
PYEOF
)" "wire1<https://wire1.example.com/world/guterres-gaza> wire2<https://news.un.org/en/story/2026/11/1001> wire3<https://news.un.org/en/story/2026/11/1001>" \
   "history: the Gaza story lists the three other outlets, with canonical links"
is "$("$PY" - "$T/hist.json" <<'PYEOF'
import json, sys
stories = {}
for line in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(line)
    stories.setdefault(a.get("story"), []).append(a["kind"])
print(sorted(len(v) for v in stories.values()))
PYEOF
)" "[1, 1, 1, 2]" "history: the follow-up belongs to the first alert's story"
is "$(hist --json --entry 'world food programme' | grep -c .)" 2 "history --entry (any case): the two WFP alerts"
is "$(hist --json --feed cms | grep -c .)" 1 "history --feed cms: one alert"
is "$(hist --json --since 2099-01-01 | grep -c .)" 0 "history --since the future: nothing"
like "$(hist)" "also: wire1: UN chief Guterres calls for immediate ceasefire in Gaza - Wire One" \
     "history text lists the other outlets"
hist --since yesterday-ish > /dev/null 2>&1
is "$?" 2 "history --since with a bad date: usage error"

# --- realert_sources = 3: the story alerts once more when a third outlet carries it ---------
cp "$conf" "$T/realert.conf"
sed -i 's/^backfill_hours = 0/backfill_hours = 0\nrealert_sources = 3/' "$T/realert.conf"
for p in 1 2; do
	cp "$DEDUP/poll$p"/*.rss "$T/dd/"
	"$NEWSWATCH" once --json -c "$T/realert.conf" --state-dir "$T/realert-state" --watchlists "$DEDUP/watchlists" \
		> "$T/realert$p.json" 2> /dev/null < /dev/null
done
is "$(grep -c . "$T/realert2.json")" 3 "with realert_sources = 3, poll 2 alerts once more"
is "$("$NEWSWATCH" history --json -c "$T/realert.conf" --state-dir "$T/realert-state" < /dev/null |
      "$PY" -c 'import json, sys
print(" ".join(sorted(json.loads(l)["kind"] + ":" + json.loads(l)["feed"][:4] for l in sys.stdin)))')" \
   "follow-up:un new:cms new:un new:un new:un realert:wire" "... recorded as a realert from one of the other outlets"

# --- the database ------------------------------------------------------------------------
db=$state/newswatch.db
is "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok "integrity_check ok"
is "$(sqlite3 "$db" "SELECT ids_untrusted FROM feeds WHERE name = 'cms'")" 1 "the re-issuing CMS is no longer trusted for ids"
is "$(sqlite3 "$db" "SELECT ids_untrusted FROM feeds WHERE name = 'un'")" 0 "the UN feed still is"
is "$(stat -c %a "$db")" 600 "the database is private (0600)"

# --- forget ------------------------------------------------------------------------------
"$NEWSWATCH" forget -c "$conf" --state-dir "$state" --feed cms < /dev/null > /dev/null 2>&1
is "$?" 2 "forget without a terminal and without --yes refuses"
is "$(sqlite3 "$db" "SELECT count(*) FROM feeds WHERE name = 'cms'")" 1 "... and forgets nothing"
"$NEWSWATCH" forget -c "$conf" --state-dir "$state" --feed cms --yes < /dev/null > "$T/forget.out" 2>&1
is "$?" 0 "forget --feed cms --yes"
is "$(sqlite3 "$db" "SELECT count(*) FROM feeds WHERE name = 'cms'") $(hist --json --feed cms | grep -c .)" "0 0" \
   "the feed's state and alerts are gone"
# A forgotten feed is new again: with a backfill age its old items are recorded, not alerted.
sed -i 's/^backfill_hours = 0/backfill_hours = 24/' "$conf"
poll 2
is "$(grep -c . "$T/poll2.json")" 0 "re-adding a forgotten feed does not flood (its items are backfilled)"
like "$(cat "$T/poll2.err")" "3 old items recorded without alerting" "... they are recorded"
"$NEWSWATCH" forget -c "$conf" --state-dir "$state" --reset --yes < /dev/null > /dev/null 2>&1
is "$?" 0 "forget --reset --yes"
is "$(sqlite3 "$db" 'SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM alerts) + (SELECT count(*) FROM feeds)')" 0 \
   "--reset leaves nothing"

# --- a damaged database is moved aside, never emptied ---------------------------------------
head -c 8192 /dev/urandom > "$db"
rm -f "$db-wal" "$db-shm"
err=$("$NEWSWATCH" history -c "$conf" --state-dir "$state" 2>&1 < /dev/null)
is "$?" 4 "a damaged database: exit status 4 (state unusable)"
like "$err" "newswatch.db: not a valid database .*moved aside to .*newswatch\.db\.corrupt-" "... with a clear message"
is "$(ls "$state" | grep -c '^newswatch\.db\.corrupt-')" 1 "... and the damaged file kept aside"
poll 1
is "$rc" 0 "the next run starts afresh"

done_testing
