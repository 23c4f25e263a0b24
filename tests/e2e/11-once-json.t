#!/bin/bash
# 11-once-json.t — `newswatch once --json`: one JSON object per alert per line
# on stdout (DESIGN.md "Alert as data"), checked with Python's json module.
. "$(dirname "$0")/once-lib.sh"
require_binary

conf=$T/newswatch.conf
state=$T/state
write_config "$conf" wire wire.rss review review.atom

run_once "$T/run1" --json -c "$conf" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 0 "once --json exits 0"
is "$(grep -c . "$T/run1.out")" "$FIXTURE_ALERTS" "$FIXTURE_ALERTS lines on stdout, one per alert"
like "$(cat "$T/run1.err")" "^$FIXTURE_ALERTS new alerts, 0 items already seen" "the summary goes to stderr, keeping stdout pure JSON"

# Every line: valid JSON with every field, of the right type. The checker
# prints one "ok"/"not ok" verdict line per property (no TAP numbering).
verdicts=$("$PY" - "$T/run1.out" <<'PYEOF'
import json, re, sys

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PRIORITIES = {"low", "normal", "high", "urgent"}
problems = []
alerts = []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        a = json.loads(line)
    except ValueError as e:
        problems.append("line %d: not JSON: %s" % (n, e))
        continue
    if not isinstance(a, dict):
        problems.append("line %d: not an object" % n)
        continue
    alerts.append(a)
    for k in ("feed", "title", "link", "id", "published", "priority", "matches", "story", "sources"):
        if k not in a:
            problems.append("line %d: no \"%s\"" % (n, k))
    for k in ("feed", "title", "link", "id", "priority"):
        if not isinstance(a.get(k), str) or not a.get(k):
            problems.append("line %d: \"%s\" is not a non-empty string: %r" % (n, k, a.get(k)))
    if a.get("feed") not in ("wire", "review"):
        problems.append("line %d: feed %r is not a configured feed name" % (n, a.get("feed")))
    if not re.match(r"^https?://", a.get("link") or ""):
        problems.append("line %d: link %r is not absolute" % (n, a.get("link")))
    if not isinstance(a.get("published"), str) or not RFC3339_UTC.match(a["published"]):
        problems.append("line %d: published %r is not RFC 3339 UTC" % (n, a.get("published")))
    if a.get("priority") not in PRIORITIES:
        problems.append("line %d: priority %r" % (n, a.get("priority")))
    if a.get("story") is not None and not isinstance(a["story"], str):
        problems.append("line %d: story %r is neither null nor a string" % (n, a["story"]))
    if not isinstance(a.get("sources"), list):
        problems.append("line %d: sources is not a list" % n)
    ms = a.get("matches")
    if not isinstance(ms, list) or not ms:
        problems.append("line %d: matches is not a non-empty list" % n)
        ms = []
    for m in ms:
        for k in ("entry", "list", "term", "field", "snippet"):
            if not isinstance(m.get(k), str) or not m.get(k):
                problems.append("line %d: match %r: \"%s\" missing or empty" % (n, m, k))
        if m.get("field") not in ("title", "summary", "content", "categories", "author"):
            problems.append("line %d: match field %r" % (n, m.get("field")))
        if "[[" not in (m.get("snippet") or "") or "]]" not in (m.get("snippet") or ""):
            problems.append("line %d: snippet %r has no [[marked]] hit" % (n, m.get("snippet")))
print(("ok" if not problems else "not ok") + " - every line is a JSON alert with all fields, well typed")
for p in problems:
    print("# " + p)

by_title = {a.get("title"): a for a in alerts}
def check(desc, cond, got):
    print(("ok" if cond else "not ok") + " - " + desc)
    if not cond:
        print("# got: %r" % (got,))

a = by_title.get('Zelenskyy at Munich Security Conference: "Europe\'s security is decided in Ukraine"', {})
check("Atom published +01:00 becomes UTC", a.get("published") == "2026-02-14T10:20:00Z", a.get("published"))
a = by_title.get("Hegseth to attend Ukraine Defense Contact Group at NATO headquarters", {})
check("RSS pubDate -0500 becomes UTC", a.get("published") == "2026-02-10T19:05:00Z", a.get("published"))
check("the RSS guid is the item id", "wire-0001" in (a.get("id") or ""), a.get("id"))
check("the alert carries the feed name", a.get("feed") == "wire", a.get("feed"))
check("link as published", a.get("link") == "https://wire.example.com/2026/02/10/hegseth-udcg", a.get("link"))
a = by_title.get("Rutte opens NATO defence ministers' meeting", {})
check("tracking parameters are dropped from the link, others kept",
      a.get("link") == "https://review.example.eu/2026/02/12/rutte-ministers?id=77", a.get("link"))
a = by_title.get("Allies pledge record military assistance for Ukraine at Ramstein-format meeting", {})
check("the alert has a story id", isinstance(a.get("story"), str) and a.get("story") != "", a.get("story"))
check("a first sighting has no other sources yet", a.get("sources") == [], a.get("sources"))
PYEOF
)
while IFS= read -r v; do
	case $v in
	"ok - "*) ok 0 "${v#ok - }" ;;
	"not ok - "*) ok 1 "${v#not ok - }" ;;
	*) echo "$v" ;;
	esac
done <<< "$verdicts"

is "$(alert_pairs_json "$T/run1.out")" "$EXPECTED_PAIRS" "--json: exactly the expected alerts on the expected entries"

# With realert_sources = 2 the second outlet's copy of the shared story alerts
# again, naming the first outlet in "sources" and sharing its story id.
conf2=$T/realert.conf
write_config "$conf2" wire wire.rss review review.atom
sed -i 's/^backfill_hours = 0$/&\nrealert_sources = 2/' "$conf2"
run_once "$T/re" --json -c "$conf2" --state-dir "$T/state-re" --watchlists "$WATCHLISTS"
is "$rc" 0 "realert_sources = 2: exit 0"
verdicts=$("$PY" - "$T/re.out" <<'PYEOF'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
title = "Allies pledge record military assistance for Ukraine at Ramstein-format meeting"
same = [a for a in alerts if a.get("title") == title]
def check(desc, cond, got):
    print(("ok" if cond else "not ok") + " - " + desc)
    if not cond:
        print("# got: %r" % (got,))
check("realert: 6 alerts (the shared story twice)", len(alerts) == 6, [a.get("title") for a in alerts])
check("realert: the shared story alerts once per outlet", sorted(a.get("feed") for a in same) == ["review", "wire"],
      [(a.get("feed"), a.get("sources")) for a in same])
if len(same) == 2:
    first, second = same
    src = second.get("sources") or []
    check("realert: both alerts carry the same story id", bool(first.get("story")) and first.get("story") == second.get("story"),
          (first.get("story"), second.get("story")))
    check("realert: the second names the first outlet as its one source",
          len(src) == 1 and src[0].get("feed") == first.get("feed") and src[0].get("title") == title
          and src[0].get("link") == first.get("link"), src)
PYEOF
)
while IFS= read -r v; do
	case $v in
	"ok - "*) ok 0 "${v#ok - }" ;;
	"not ok - "*) ok 1 "${v#not ok - }" ;;
	*) echo "$v" ;;
	esac
done <<< "$verdicts"

run_once "$T/run2" --json -c "$conf" --state-dir "$state" --watchlists "$WATCHLISTS"
is "$rc" 0 "second --json run exits 0"
is "$(grep -c . "$T/run2.out")" 0 "second --json run: no JSON lines"
like "$(cat "$T/run2.err")" "^0 new alerts, $FIXTURE_ITEMS items already seen" "second --json run: summary on stderr"

done_testing
