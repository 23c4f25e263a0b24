#!/bin/bash
# 30-match.t — `newswatch match` through the binary: text, stdin, --feed,
# --json, vetoes with their reasons, exit status, and watchlist errors as
# file:line. Runs from the repo root (make check) or anywhere.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NW=${NEWSWATCH:-$ROOT/build/newswatch}
case $NW in /*) ;; *) NW=$ROOT/$NW ;; esac
PY=/usr/bin/python3
WL=$ROOT/watchlists
T=$(mktemp -d "${TMPDIR:-/tmp}/newswatch-match.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME=$T XDG_CONFIG_HOME=$T/.config XDG_STATE_HOME=$T/.state LC_ALL=C.UTF-8
unset NEWSWATCH_DATADIR

if [ ! -x "$NW" ]; then
	echo "1..0 # SKIP $NW not built (run make)"
	exit 0
fi

n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; printf '# expected: %s\n# got: %s\n' "$2" "$1"; fi; }
like() { if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else ok 1 "$3"; printf '# expected to match: %s\n' "$2"; printf '%s\n' "$1" | sed 's/^/# got: /'; fi; }
unlike() { if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 1 "$3"; printf '%s\n' "$1" | sed 's/^/# got: /'; else ok 0 "$3"; fi; }

m() { "$NW" match --watchlists "$WL" "$@" > "$T/out" 2> "$T/err"; rc=$?; out=$(cat "$T/out"); }

# --- text ---------------------------------------------------------------------
m "Pete Hegseth’s visit to the Ramstein-format meeting"
is "$rc" 0 "text: a match exits 0"
like "$out" '^  match rule Hegseth at Ramstein \(meetings, urgent\): "Pete Hegseth \+ Ramstein format"' "text: the rule comes first, with its terms"
like "$out" '^  match Pete Hegseth \(people, high\): "Pete Hegseth" in content at 0-12: \[\[Pete Hegseth\]\]’s visit' "text: entry, list, priority, term, field, offsets, snippet"
like "$out" 'Ukraine Defense Contact Group .*\[\[Ramstein-format\]\]' "text: the hyphenated compound matches the phrase"

m "MSC Cruises sails from Munich"
is "$rc" 1 "veto only: exit 1"
like "$out" '^  veto  Munich Security Conference \(meetings, high\): "MSC" in content at 0-3' "veto: what was vetoed"
like "$out" "vetoed: excluded by 'MSC Cruises' in content" "veto: and why"
like "$out" '^  no match$' "veto only: says no match"

m "Rammstein and Ramsteiner beer"
is "$rc" 1 "never inside a longer word: no match"
unlike "$out" 'Contact Group' "Rammstein/Ramsteiner do not hit Ramstein"

m "She took an MSc in Munich"
like "$out" "letter case differs from exact alias 'MSC'" "exact-case alias: the veto names the case"

m "Waltz lessons in the ballroom"
like "$out" "vetoed: excluded by 'ballroom'" "the dance is excluded"

# --- stdin ------------------------------------------------------------------------
out=$(printf 'ЗЕЛЕНСЬКИЙ у Мюнхені\n' | "$NW" match --watchlists "$WL" -); rc=$?
is "$rc" 0 "stdin: exit 0"
like "$out" 'Volodymyr Zelenskyy \(people, high\): "Зеленський" in content' "stdin: Cyrillic upper case matches"

m --field title "Zelensky"
like "$out" '" in title at 0-8' "--field puts the text in that field"

# --- json ---------------------------------------------------------------------------
m --json "MSC Cruises; Hegseth's speech at the Munich Security Conference"
is "$rc" 0 "json: exit 0"
check=$(printf '%s\n' "$out" | $PY -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["matched"] is True
ents = {x["entry"]: x for x in o["matches"]}
h = ents["Pete Hegseth"]
assert h["list"] == "people" and h["term"] == "Hegseth" and h["field"] == "content", h
assert h["start"] == 13 and h["end"] == 20 and h["priority"] == "high" and h["rule"] is False, h
assert h["snippet"] == "MSC Cruises; [[Hegseth]]'"'"'s speech at the Munich Security Conference", h
assert "Munich Security Conference" in ents
v = o["vetoes"]
assert any(x["term"] == "MSC" and x["start"] == 0 and x["reason"] == "excluded by '"'"'MSC Cruises'"'"' in content" for x in v), v
print("ok")
' 2>&1)
is "$check" ok "json: one object with matches (entry, list, term, field, offsets, snippet, priority, rule)"

m --json "MSC Cruises"
check=$(printf '%s\n' "$out" | $PY -c '
import json, sys
o = json.loads(sys.stdin.read())
assert o["matched"] is False and o["matches"] == []
assert o["vetoes"][0]["entry"] == "Munich Security Conference"
assert o["vetoes"][0]["reason"] == "excluded by '"'"'MSC Cruises'"'"' in content"
print("ok")' 2>&1)
is "$check" ok "json: vetoes carry a reason"

# --- feed ----------------------------------------------------------------------------
m --feed "$ROOT/tests/fixtures/match/feed.rss"
is "$rc" 0 "feed: exit 0 when an item matched"
like "$out" '^item 1: Hegseth’s Ramstein-format debut$' "feed: items are numbered with their titles"
like "$out" 'Ukraine Defense Contact Group \(meetings, urgent\): "Ramstein format" in title' "feed: the title hit is the explanation"
like "$out" "^item 2: MSC Cruises names its newest ship$" "feed: second item"
like "$out" "excluded by 'MSC Cruises' in title" "feed: the cruise line is vetoed"
like "$out" '^1 of 3 items matched$' "feed: summary line"

m --json --feed "$ROOT/tests/fixtures/match/feed.rss"
check=$(printf '%s\n' "$out" | $PY -c '
import json, sys
items = [json.loads(l) for l in sys.stdin.read().splitlines()]
assert [i["item"] for i in items] == [1, 2, 3]
assert [i["matched"] for i in items] == [True, False, False]
assert items[0]["link"] == "https://example.org/1"
assert any(m["entry"] == "Ukraine Defense Contact Group" and m["field"] == "title" for m in items[0]["matches"])
assert items[1]["vetoes"][0]["reason"] == "excluded by '"'"'MSC Cruises'"'"' in title"
print("ok")' 2>&1)
is "$check" ok "feed --json: one object per item"

m --feed "$T/missing.rss"
is "$rc" 1 "feed: a missing file exits 1"
like "$(cat "$T/err")" 'missing\.rss' "feed: the message names the file"

m --feed "file://$ROOT/tests/fixtures/match/feed.rss"
is "$rc" 0 "feed: a file:// URL goes through libcurl"

# --- usage and watchlist errors ------------------------------------------------
"$NW" match --watchlists "$WL" --feed x.rss "text" > /dev/null 2>&1
is "$?" 2 "TEXT and --feed together: usage error"

mkdir -p "$T/badwl"
printf '[Someone]\naliases = Someone\nalias = Typo\n' > "$T/badwl/x.watch"
"$NW" match --watchlists "$T/badwl" "Someone" > "$T/out" 2> "$T/err"
is "$?" 3 "watchlist error: exit 3"
like "$(cat "$T/err")" "x\.watch:3: unknown key 'alias' in entry \[Someone\]" "watchlist error: file:line: message"

echo "1..$n"
[ "$failed" -eq 0 ]
