# faults-lib.sh — shared by tests/e2e/80-faults-*.t: once-lib.sh's world plus
# the fault server (tests/servers/faultserver.py) and a measured run.
# Sourced, not run.
. "$(dirname "$0")/once-lib.sh"

# start_faultserver: starts it over the e2e fixtures; sets $PORT and $CANARY.
start_faultserver() {
	mkdir -p "$T/srv"
	"$PY" "$ROOT/tests/servers/faultserver.py" --root "$T/feeds" --log-dir "$T/srv" \
		--port-file "$T/srv/port" --canary-file "$T/srv/canary" --lifetime 1200 \
		> /dev/null 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		[ -s "$T/srv/port" ] && [ -s "$T/srv/canary" ] && break
		sleep 0.1
	done
	PORT=$(cat "$T/srv/port")
	CANARY=$(cat "$T/srv/canary")
	trap 'kill $SERVER_PID 2>/dev/null; [ -n "${NW_KEEP:-}" ] || rm -rf "$T"' EXIT
}

# A port where nothing listens (bound, then closed).
closed_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# measured OUT-PREFIX CMD...: runs CMD with stdin from /dev/null, leaving
# OUT-PREFIX.out/.err, $rc, $secs (wall time, s) and $rss_kb (peak RSS).
measured() {
	local p=$1
	shift
	rc=0
	/usr/bin/time -o "$p.time" -f '%e %M' "$@" > "$p.out" 2> "$p.err" < /dev/null || rc=$?
	# time(1) reports a child killed by a signal as "Command terminated by signal N"
	if grep -q 'terminated by signal' "$p.time"; then
		rc=$((128 + $(sed -n 's/.*terminated by signal \([0-9]*\).*/\1/p' "$p.time")))
	fi
	secs=$(tail -1 "$p.time" | cut -d' ' -f1)
	rss_kb=$(tail -1 "$p.time" | cut -d' ' -f2)
}

# le A B: A <= B for decimal numbers
le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'
}

# good_feeds_conf FILE [EXTRA-GENERAL-LINES]: [general] with short timeouts and
# the two good fixture feeds served over HTTP; append bad feeds after it.
good_feeds_conf() {
	{
		echo "[general]"
		echo "backfill_hours = 0"
		echo "timeout = 5"
		echo "connect_timeout = 3"
		[ -n "${2:-}" ] && printf '%s\n' "$2"
		echo
		echo "[feed wire]"
		echo "url = http://127.0.0.1:$PORT/feed/wire.rss"
		echo
		echo "[feed review]"
		echo "url = http://127.0.0.1:$PORT/feed/review.atom"
	} > "$1"
}

# expected_titles_in FILE: 0 when every expected fixture alert title is in FILE.
expected_titles_in() {
	local missing
	missing=$(printf '%s\n' "$EXPECTED_TITLES" | while IFS= read -r t; do
		grep -qF -- "$t" "$1" || echo "$t"
	done)
	[ -z "$missing" ] || { diag "missing alerts:" "$missing"; return 1; }
}

# TODO=REASON before a check marks a known, reported bug: a failure is
# printed as "not ok N - ... # TODO REASON" (prove counts it as expected)
# and does not fail the file; an unexpected pass shows up in prove's summary.
TODO=
ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2${TODO:+ # TODO $TODO}"
	else
		echo "not ok $tap_n - $2${TODO:+ # TODO $TODO}"
		[ -n "$TODO" ] || tap_failed=$((tap_failed + 1))
	fi
}
