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
# A hanging server (timeout 3 s, retry_base 250 ms) must not keep `once`
# running: its run is one pass, and retries that fall due while an attempt
# hangs wait for the next run (outbox_run). Each run is capped here anyway.
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
	measured "$T/$name" timeout 60 "$NEWSWATCH" once -c "$T/$name.conf" --state-dir "$T/state-$name" --watchlists "$WATCHLISTS"
	diag "$name: exit $rc, ${secs}s; $(grep -m1 'channel "bad"' "$T/$name.err" | cut -c1-140)"
	ok "$([ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; echo $?)" "$name: exits 0 or 1 (got $rc; no crash)"
	# A delivery failed for good makes the run fail; one queued for a retry does not.
	is "$rc" "$([ "$want" = failed ] && echo 1 || echo 0)" "$name: exit status says whether a delivery failed for good"
	ok "$(le "$secs" "$MAX_SECS"; echo $?)" "$name: bounded time (${secs}s)"
	like "$(cat "$T/$name.out")" '^3 new alerts' "$name: the run finishes and sums up its 3 alerts"
	is "$(grep -c . "$T/$name.jsonl" 2>/dev/null)" 3 "$name: the other channel delivered all 3"
	like "$(grep 'channel "bad"' "$T/$name.err")" "channel \"bad\": .*($errre)" "$name: a message naming the channel and the failure"
	is "$(states "$name")" "$want $want $want" "$name: every delivery is $want"
	[ "$tap_failed" -eq "$fails_before" ] && passed=$((passed + 1))
done <<< "$SCENARIOS"

# --- at least once: the ambiguous drop, then a working server ----------------------
# The follow-up runs repeat (a second apart) until the retries were due and sent.
until_sent() {      # until_sent NAME: once again until all three are sent (at most 6 runs)
	for _ in 1 2 3 4 5 6; do
		sleep 1
		run_once "$T/$1-again" -c "$T/$1.conf" --state-dir "$T/state-$1" --watchlists "$WATCHLISTS"
		[ "$(states "$1")" = "sent sent sent" ] && break
	done
}
per_id() {          # per_id PATH: "count" per alert id posted to PATH, sorted, one line
	"$PY" -c 'import json, sys, collections
c = collections.Counter(json.loads(json.loads(l)["body"])["id"] for l in open(sys.argv[1])
                        if json.loads(l)["path"] == sys.argv[2])
print(" ".join(str(n) for _, n in sorted(c.items())))' "$T/srv/hooks.jsonl" "$1"
}
# webhook: the same channel now points at a server that answers.
sed -i "s|^url = $HOOK/drop/x|url = $HOOK/ok/x|" "$T/hook-drop.conf"
until_sent hook-drop
is "$(states hook-drop)" "sent sent sent" "webhook drop, then ok: all three sent"
like "$(per_id /hook/drop/x)" '^[1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$' "webhook drop: the receiver got all three alerts before the drops"
is "$(per_id /hook/ok/x)" "1 1 1" "webhook drop: and each exactly once more after (at least once: 2+ copies in all)"
run_once "$T/hook-drop3" -c "$T/hook-drop.conf" --state-dir "$T/state-hook-drop" --watchlists "$WATCHLISTS"
is "$(per_id /hook/ok/x)" "1 1 1" "webhook: once acknowledged, never sent again"
# email: the mail server that dropped is replaced by one that answers.
start_smtp ok "$T/smtp-ok"
sed -i "s|^url = smtp://.*|url = smtp://127.0.0.1:$SMTP_PORT|" "$T/smtp-drop.conf"
until_sent smtp-drop
is "$(states smtp-drop)" "sent sent sent" "smtp drop, then ok: all three sent"
ok "$([ "$(ls "$T/smtp-smtp-drop"/*.eml | wc -l)" -ge 3 ]; echo $?)" "smtp drop: the dropping server read every message"
is "$(ls "$T/smtp-ok"/*.eml | wc -l)" 3 "smtp drop: and the next server got each once more (at least once: 2+ copies)"
run_once "$T/smtp-drop3" -c "$T/smtp-drop.conf" --state-dir "$T/state-smtp-drop" --watchlists "$WATCHLISTS"
is "$(ls "$T/smtp-ok"/*.eml | wc -l)" 3 "smtp: once acknowledged, never sent again"
# a temporary failure followed by success: exactly one delivery reaches the receiver
sed -i "s|^url = $HOOK/code/500/x|url = $HOOK/ok/after500|" "$T/hook-500.conf"
until_sent hook-500
is "$(per_id /hook/ok/after500)" "1 1 1" "500, then ok: each alert delivered exactly once"
diag "channel fault scenarios: $tried tried, $passed passed every check"
done_testing
