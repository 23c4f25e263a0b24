#!/bin/bash
# 80-faults-channels.t — alert channels that fail: webhook and SMTP servers
# that refuse, hang, answer 4xx/5xx/429, or drop the connection after
# receiving the request. One `newswatch once` per scenario over a good feed
# with two channels: "log" (jsonl, always works) and "bad" (the fault). For
# each: bounded time, a message naming the channel, the other channel
# unaffected, and the delivery rows in the state the retry policy promises
# (temporary → pending for a retry, permanent → failed).
#
# The ambiguous case — the server got the whole request, then the connection
# dropped before the answer — is retried: delivery is at least once, so the
# receiver sees that alert twice, and never a third time once a send is
# acknowledged (docs/SECURITY.md, "Delivery guarantees").
#
# Known bug (TODO below): when one attempt takes longer than the retry delay
# (a hanging server, timeout 3 s, retry_base 250 ms), `once` never returns:
# outbox_run(ob, 0) waits for "nothing due now", and a retry is always due by
# the time the previous attempt timed out. Each run is capped at 40 s here.
. "$(dirname "$0")/faults-lib.sh"
require_binary
start_faultserver
CLOSED=$(closed_port)
MAX_SECS=20

start_smtp() {      # start_smtp MODE DIR: sets $SMTP_PORT
	"$PY" "$ROOT/tests/servers/smtpfault.py" --dir "$2" --mode "$1" --port-file "$2.port" &
	for _ in $(seq 100); do [ -s "$2.port" ] && break; sleep 0.1; done
	SMTP_PORT=$(cat "$2.port")
}

channel_conf() {    # channel_conf FILE KIND URL fast|default: feed + log channel + the bad channel
	{
		echo "[general]"
		echo "backfill_hours = 0"
		echo
		echo "[feed wire]"
		echo "url = file://$T/feeds/wire.rss"
		echo
		echo "[channel log]"
		echo "type = jsonl"
		echo "path = $T/$name.jsonl"
		echo
		echo "[channel bad]"
		echo "type = $2"
		echo "url = $3"
		echo "timeout = 3s"
		if [ "$4" = fast ]; then      # retries due within a second (the follow-up runs)
			echo "retry_base = 250ms"
			echo "retry_max = 250ms"
		fi
		if [ "$2" = webhook ]; then
			echo "preset = json"
		else
			echo "from = newswatch@example.com"
			echo "to = me@example.com"
			echo "tls = none"
		fi
	} > "$1"
	chmod 600 "$1"      # it holds a webhook URL: a secret (else a warning)
}

states() {          # states NAME: the bad channel's delivery states, sorted, one line
	"$NEWSWATCH" outbox --all --json -c "$T/$1.conf" --state-dir "$T/state-$1" < /dev/null 2> /dev/null |
		"$PY" -c 'import json, sys
print(" ".join(sorted(json.loads(l)["state"] for l in sys.stdin if json.loads(l)["channel"] == "bad")))'
}

# name | kind | url | retries (fast: 250 ms; default: 30 s base) | expected delivery
# state of the 3 alerts | error regex
HOOK=http://127.0.0.1:$PORT/hook
SCENARIOS=$(cat <<EOF
hook-refused|webhook|http://127.0.0.1:$CLOSED/x|fast|pending|connect|refused
hook-hang|webhook|$HOOK/hang/x|fast|pending|timed out|timeout
hook-400|webhook|$HOOK/code/400/x|default|failed|400
hook-404|webhook|$HOOK/code/404/x|default|failed|404
hook-500|webhook|$HOOK/code/500/x|fast|pending|500
hook-503|webhook|$HOOK/code/503/x|default|pending|503
hook-429|webhook|$HOOK/code/429/x|default|pending|429
hook-drop|webhook|$HOOK/drop/x|fast|pending|empty|reply|closed|recv|connection
smtp-refused|email|smtp://127.0.0.1:$CLOSED|fast|pending|connect|refused
smtp-hang|email|smtp://127.0.0.1:@hang|fast|pending|timed out|timeout
smtp-421|email|smtp://127.0.0.1:@greet421|default|pending|421|greeting|connect
smtp-451|email|smtp://127.0.0.1:@temp|default|pending|451
smtp-554|email|smtp://127.0.0.1:@perm|default|failed|554
smtp-drop|email|smtp://127.0.0.1:@drop|fast|pending|response|read|closed|connection
EOF
)

tried=0
passed=0
while IFS='|' read -r name kind url retry want errre; do
	[ -n "$name" ] || continue
	tried=$((tried + 1))
	fails_before=$tap_failed
	case $url in *@*)
		mode=${url##*@}
		start_smtp "$mode" "$T/smtp-$name"
		url=${url%@*}$SMTP_PORT ;;
	esac
	channel_conf "$T/$name.conf" "$kind" "$url" "$retry"
	known=
	case $name in *-hang) known="once never returns while retries of a hanging channel keep coming due (outbox_run)" ;; esac
	measured "$T/$name" timeout "$([ -n "$known" ] && echo 25 || echo 60)" "$NEWSWATCH" once -c "$T/$name.conf" --state-dir "$T/state-$name" --watchlists "$WATCHLISTS"
	diag "$name: exit $rc, ${secs}s; $(grep -m1 'channel "bad"' "$T/$name.err" | cut -c1-140)"
	TODO=$known     # only these three fail while the bug is there
	ok "$([ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; echo $?)" "$name: exits 0 or 1 (got $rc; no crash)"
	ok "$(le "$secs" "$MAX_SECS"; echo $?)" "$name: bounded time (${secs}s)"
	like "$(cat "$T/$name.out")" '^3 new alerts' "$name: the run finishes and sums up its 3 alerts"
	TODO=
	is "$(grep -c . "$T/$name.jsonl" 2>/dev/null)" 3 "$name: the other channel delivered all 3"
	like "$(grep 'channel "bad"' "$T/$name.err")" "channel \"bad\": .*($errre)" "$name: a message naming the channel and the failure"
	is "$(states "$name")" "$want $want $want" "$name: every delivery is $want"
	[ "$tap_failed" -eq "$fails_before" ] && [ -z "$known" ] && passed=$((passed + 1))
done <<< "$SCENARIOS"

# --- at least once: the ambiguous drop, then a working server ----------------------
# webhook: the same channel now points at a server that answers.
sleep 1     # past retry_max: the retries are due
sed -i "s|^url = $HOOK/drop/x|url = $HOOK/ok/x|" "$T/hook-drop.conf"
run_once "$T/hook-drop2" -c "$T/hook-drop.conf" --state-dir "$T/state-hook-drop" --watchlists "$WATCHLISTS"
is "$(states hook-drop)" "sent sent sent" "webhook drop, then ok: all three sent"
is "$(grep -c '"/hook/drop/x"' "$T/srv/hooks.jsonl")" 3 "webhook drop: the receiver got each alert once before the drop"
is "$(grep -c '"/hook/ok/x"' "$T/srv/hooks.jsonl")" 3 "webhook drop: and each once more on the retry (at least once: 2 copies)"
run_once "$T/hook-drop3" -c "$T/hook-drop.conf" --state-dir "$T/state-hook-drop" --watchlists "$WATCHLISTS"
is "$(grep -c '"/hook/ok/x"' "$T/srv/hooks.jsonl")" 3 "webhook: once acknowledged, never sent again"
# email: the mail server that dropped is replaced by one that answers.
start_smtp ok "$T/smtp-ok"
sed -i "s|^url = smtp://.*|url = smtp://127.0.0.1:$SMTP_PORT|" "$T/smtp-drop.conf"
run_once "$T/smtp-drop2" -c "$T/smtp-drop.conf" --state-dir "$T/state-smtp-drop" --watchlists "$WATCHLISTS"
is "$(states smtp-drop)" "sent sent sent" "smtp drop, then ok: all three sent"
is "$(ls "$T/smtp-smtp-drop"/*.eml | wc -l)" 3 "smtp drop: the dropping server read all three messages"
is "$(ls "$T/smtp-ok"/*.eml | wc -l)" 3 "smtp drop: and the next server got each again (at least once: 2 copies)"
run_once "$T/smtp-drop3" -c "$T/smtp-drop.conf" --state-dir "$T/state-smtp-drop" --watchlists "$WATCHLISTS"
is "$(ls "$T/smtp-ok"/*.eml | wc -l)" 3 "smtp: once acknowledged, never sent again"
# a temporary failure followed by success: exactly one delivery reaches the receiver
sleep 1
sed -i "s|^url = $HOOK/code/500/x|url = $HOOK/ok/after500|" "$T/hook-500.conf"
run_once "$T/hook-500b" -c "$T/hook-500.conf" --state-dir "$T/state-hook-500" --watchlists "$WATCHLISTS"
is "$(grep -c '"/hook/ok/after500"' "$T/srv/hooks.jsonl")" 3 "500, then ok: each alert delivered exactly once"
diag "channel fault scenarios: $tried tried, $passed passed every check"
done_testing
