# once-lib.sh — shared by tests/e2e/1[0-2]-once*.t: a tiny TAP emitter, a
# private temporary world (config, state, HOME) and the fixture feeds'
# expected alerts. Sourced, not run; the tests run from the repo root.

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NEWSWATCH=${NEWSWATCH:-$ROOT/build/newswatch}
case $NEWSWATCH in /*) ;; *) NEWSWATCH=$ROOT/$NEWSWATCH ;; esac
FIXTURES=$ROOT/tests/fixtures/e2e
WATCHLISTS=$ROOT/watchlists
PY=/usr/bin/python3

T=$(mktemp -d "${TMPDIR:-/tmp}/newswatch-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
# Nothing of the user's own config, state or watchlists may leak in.
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_STATE_HOME=$T/home/.local/state \
       XDG_DATA_HOME=$T/home/.local/share XDG_CACHE_HOME=$T/home/.cache
mkdir -p "$HOME"
unset NEWSWATCH_DATADIR DISPLAY DBUS_SESSION_BUS_ADDRESS
export LC_ALL=C.UTF-8 TZ=America/New_York   # a non-UTC zone, so a missed conversion shows

# Fixture feeds are copied so tests may break or remove them.
mkdir -p "$T/feeds"
cp "$FIXTURES"/* "$T/feeds/"

tap_n=0
tap_failed=0

ok() {          # ok STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

diag() {        # diag TEXT... (each line prefixed with "# ")
	printf '%s\n' "$@" | sed 's/^/# /'
}

is() {          # is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "expected:" "$2" "got:" "$1"
	fi
}

like() {        # like TEXT EXTENDED-REGEX DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "expected to match: $2" "got:" "$1"
	fi
}

unlike() {      # unlike TEXT EXTENDED-REGEX DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		diag "expected not to match: $2" "got:" "$1"
	else
		ok 0 "$3"
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# Skips the whole file (TAP "1..0 # SKIP") when the binary is missing.
require_binary() {
	if [ ! -x "$NEWSWATCH" ]; then
		echo "1..0 # SKIP $NEWSWATCH not built (run make)"
		exit 0
	fi
}

# write_config FILE [FEED-NAME FILE-IN-$T/feeds]... : [general] + one [feed] per pair.
write_config() {
	local conf=$1
	shift
	{
		echo "# written by $(basename "$0")"
		echo "[general]"
		echo "# fixture items are dated in the past; alert on them anyway"
		echo "backfill_hours = 0"
		while [ $# -ge 2 ]; do
			echo
			echo "[feed $1]"
			echo "url = file://$T/feeds/$2"
			shift 2
		done
	} > "$conf"
}

# run_once OUT-PREFIX ARGS... : runs `newswatch once ARGS`, leaving
# OUT-PREFIX.out, OUT-PREFIX.err and the exit status in $rc.
run_once() {
	local p=$1
	shift
	rc=0
	"$NEWSWATCH" once "$@" > "$p.out" 2> "$p.err" < /dev/null || rc=$?
}

# Text output → one "TITLE | ENTRY" line per (alert, matched entry), sorted,
# so the order of feeds, alerts and matches does not matter. Rules keep their
# "rule " prefix.
# Alert lines look like "[priority] feed: title", match lines like
# "    Entry (list) on "term" in field: snippet".
alert_pairs_text() {
	awk '
	/^\[[a-z]+\] / { t = $0; sub(/^\[[a-z]+\] [^:]*: /, "", t); next }
	/^    (rule )?.* \([^()]*\) on "/ {
		e = $0; sub(/^    /, "", e); sub(/ \([^()]*\) on ".*$/, "", e)
		print t " | " e
	}' "$1" | LC_ALL=C sort -u
}

# The same from --json output.
alert_pairs_json() {
	"$PY" -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        a = json.loads(line)
        for m in a.get("matches", []):
            print("%s | %s%s" % (a.get("title"), "rule " if m.get("rule") else "", m.get("entry")))
' "$1" | LC_ALL=C sort -u
}

# --- what the fixtures must produce with the shipped watchlists ----------------
# tests/fixtures/e2e/wire.rss (6 items) and review.atom (5 items): 11 items.
# The Ramstein-format story is carried by both feeds; it alerts once (the
# second copy joins the story as a source). Rammstein (the band), MSC Cruises
# (next to "press conference" and "security"), the New England Patriots, the
# Viennese waltz and an MSc degree must not alert.
# Entry names are those of watchlists/*.watch: when an entry is renamed or a
# new one starts matching these items, update this list (and say why).
FIXTURE_ITEMS=11
FIXTURE_ALERTS=5
EXPECTED_PAIRS=$(LC_ALL=C sort <<'EOF'
Hegseth to attend Ukraine Defense Contact Group at NATO headquarters | Pete Hegseth
Hegseth to attend Ukraine Defense Contact Group at NATO headquarters | Ukraine Defense Contact Group
Hegseth to attend Ukraine Defense Contact Group at NATO headquarters | rule Hegseth at Ramstein
Pentagon unveils drawdown package with HIMARS rounds and Patriot interceptors | Presidential Drawdown Authority
Pentagon unveils drawdown package with HIMARS rounds and Patriot interceptors | HIMARS
Pentagon unveils drawdown package with HIMARS rounds and Patriot interceptors | Patriot air defence
Allies pledge record military assistance for Ukraine at Ramstein-format meeting | Ukraine Defense Contact Group
Allies pledge record military assistance for Ukraine at Ramstein-format meeting | Military assistance
Allies pledge record military assistance for Ukraine at Ramstein-format meeting | rule Ramstein without the Americans
Zelenskyy at Munich Security Conference: "Europe's security is decided in Ukraine" | Volodymyr Zelenskyy
Zelenskyy at Munich Security Conference: "Europe's security is decided in Ukraine" | Munich Security Conference
Zelenskyy at Munich Security Conference: "Europe's security is decided in Ukraine" | rule Zelenskyy at Munich
Rutte opens NATO defence ministers' meeting | Mark Rutte
Rutte opens NATO defence ministers' meeting | NATO defence ministers
EOF
)
EXPECTED_TITLES=$(printf '%s\n' "$EXPECTED_PAIRS" | sed 's/ | .*//' | LC_ALL=C sort -u)
