#!/bin/bash
# 41-crash.t — crash safety: `newswatch once` is killed with SIGKILL at random
# points, at least 50 times, while eight feeds grow item by item; then it runs
# to completion. No alert may be lost, none may be recorded twice, every item
# is recorded once, and the database passes PRAGMA integrity_check. The
# reference is a run without crashes over the same final documents.
. "$(dirname "$0")/once-lib.sh"
require_binary

KILLS=${CRASH_KILLS:-50}
FEEDS=8
ITEMS=60
WL=$ROOT/tests/fixtures/dedup/watchlists

# gen.py ROUND DIR: each feed shows items 0..ROUND (at most ITEMS). Every third
# item names Guterres; every fifth is one story carried by all feeds (the same
# link and title), the rest are unrelated headlines of random news words.
cat > "$T/gen.py" <<'PYEOF'
import sys, random, time, email.utils
rnd, out, feeds, items = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
words = ("minister talks election storm floods court ruling president visit summit refugees "
         "border strike protest budget vote parliament police army drone deal trade tariffs oil "
         "prices bank rates inflation jobs school hospital vaccine climate wildfire earthquake "
         "rescue port ship airline crash trial verdict leader opposition coalition reform "
         "sanctions embassy envoy Kyiv Sudan Haiti Paris Berlin Delhi Lagos Lima Seoul Tokyo "
         "Cairo Nairobi warns rejects approves delays launches ends seeks blocks backs").split()
now = time.time()
for f in range(feeds):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
             '<title>Crash feed %d</title><link>https://feed%d.example.com/</link>'
             '<description>fixture</description>' % (f, f)]
    for j in range(min(rnd + 1, items)):
        r = random.Random(f * 1000 + j)
        title = " ".join(r.choice(words) for _ in range(9))
        if j % 5 == 0:
            r = random.Random(j)
            title = "Shared " + " ".join(r.choice(words) for _ in range(9))
            link = "https://shared.example.org/story/%d?utm_source=feed%d" % (j, f)
        else:
            link = "https://feed%d.example.com/item/%d" % (f, j)
        if j % 3 == 0:
            title += " says Guterres"
        parts.append("<item><guid isPermaLink=\"false\">f%d-%d</guid><title>%s</title>"
                     "<link>%s</link><pubDate>%s</pubDate><description>%s</description></item>"
                     % (f, j, title, link.replace("&", "&amp;"),
                        email.utils.formatdate(now - 3600 + j, usegmt=True), title))
    parts.append("</channel></rss>\n")
    open("%s/feed%d.rss" % (out, f), "w").write("".join(parts))
PYEOF

setup_world() {     # setup_world DIR: a config over DIR's feeds with a jsonl channel
	mkdir -p "$1/feeds"
	{
		echo "[general]"
		echo "backfill_hours = 0"
		echo
		echo "[channel log]"
		echo "type = jsonl"
		echo "path = $1/alerts.jsonl"
		for f in $(seq 0 $((FEEDS - 1))); do
			printf '\n[feed feed%d]\nurl = file://%s/feeds/feed%d.rss\n' "$f" "$1" "$f"
		done
	} > "$1/newswatch.conf"
}

once_in() {         # once_in DIR: one run to completion
	"$NEWSWATCH" once -q -c "$1/newswatch.conf" --state-dir "$1/state" --watchlists "$WL" \
		> "$1/once.out" 2> "$1/once.err" < /dev/null
}

# Alerted canonical links, one line per alert recorded (sorted; duplicates kept).
alerted_links() {
	"$NEWSWATCH" history --json -c "$1/newswatch.conf" --state-dir "$1/state" < /dev/null |
		"$PY" -c 'import json, sys
for l in sys.stdin:
    print(json.loads(l)["link"])' | LC_ALL=C sort
}

# --- the reference: no crashes ------------------------------------------------------
ref=$T/ref
setup_world "$ref"
"$PY" "$T/gen.py" $((ITEMS - 1)) "$ref/feeds" $FEEDS $ITEMS
start=$(date +%s%N)
once_in "$ref"
is "$?" 0 "reference run exits 0"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
ref_links=$(alerted_links "$ref")
n_ref=$(printf '%s\n' "$ref_links" | grep -c .)
ok "$([ "$n_ref" -gt 100 ]; echo $?)" "the reference has many alerts ($n_ref)"
diag "an uninterrupted run takes ${elapsed_ms} ms"

# --- the crash loop -----------------------------------------------------------------
w=$T/crash
setup_world "$w"
kills=0
iter=0
# Early rounds have few items and finish sooner: aim inside the shorter runs.
max_ms=$(( elapsed_ms / 2 + 20 ))
while [ "$kills" -lt "$KILLS" ] && [ "$iter" -lt $((KILLS * 10)) ]; do
	"$PY" "$T/gen.py" "$iter" "$w/feeds" $FEEDS $ITEMS
	"$NEWSWATCH" once -q -c "$w/newswatch.conf" --state-dir "$w/state" --watchlists "$WL" \
		> /dev/null 2>&1 < /dev/null &
	pid=$!
	delay=$(( RANDOM % max_ms ))
	sleep "$(printf '0.%03d' "$delay")"
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	# 137 = died of SIGKILL; a run that had already exited does not count.
	# Runs that finish before the kill mean the aim is too late (a machine
	# less loaded than during the reference run): aim earlier.
	if [ "$?" -eq 137 ]; then
		kills=$((kills + 1))
	else
		max_ms=$(( max_ms * 3 / 4 + 2 ))
	fi
	iter=$((iter + 1))
done
diag "$iter runs, $kills killed with SIGKILL (delays up to $max_ms ms)"
ok "$([ "$kills" -ge "$KILLS" ]; echo $?)" "at least $KILLS runs were killed mid-way"
# The runs between the kills must have got somewhere, or the kills proved nothing.
before=$(sqlite3 "$w/state/newswatch.db" 'SELECT count(*) FROM items' 2> /dev/null || echo 0)
diag "$before items recorded by the interrupted runs"
ok "$([ "${before:-0}" -gt 0 ]; echo $?)" "the interrupted runs recorded work between the kills"

# --- run to completion ----------------------------------------------------------------
"$PY" "$T/gen.py" $((ITEMS - 1)) "$w/feeds" $FEEDS $ITEMS
once_in "$w"
is "$?" 0 "the run after the crashes exits 0"
once_in "$w"
like "$(cat "$w/once.out")" "^0 new alerts" "a further run finds nothing new"

db=$w/state/newswatch.db
is "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok "integrity_check ok after $kills kills"
crash_links=$(alerted_links "$w")
is "$(printf '%s\n' "$crash_links" | uniq -d | head -5)" "" "no alert recorded twice"
is "$crash_links" "$ref_links" "no alert lost: exactly the reference's alerts"
is "$(sqlite3 "$db" 'SELECT count(*) FROM items')" "$(sqlite3 "$ref/state/newswatch.db" 'SELECT count(*) FROM items')" \
   "every item recorded exactly once"
is "$(sqlite3 "$db" 'SELECT count(*) FROM stories')" "$(sqlite3 "$ref/state/newswatch.db" 'SELECT count(*) FROM stories')" \
   "as many stories as without crashes"

# The jsonl channel, once `once` delivers: at least once, and nothing unknown.
if [ -s "$w/alerts.jsonl" ]; then
	delivered=$("$PY" -c 'import json, sys
print("\n".join(sorted({json.loads(l)["link"] for l in open(sys.argv[1]) if l.strip()})))' "$w/alerts.jsonl")
	is "$delivered" "$(printf '%s\n' "$ref_links" | uniq)" "the jsonl channel got every alert (deduplicated by the receiver)"
	diag "jsonl: $(grep -c . "$w/alerts.jsonl") lines for $(printf '%s\n' "$delivered" | grep -c .) alerts (a kill between writing and marking sent repeats a line)"
else
	diag "no jsonl deliveries: 'once' does not deliver to channels yet"
fi

done_testing
