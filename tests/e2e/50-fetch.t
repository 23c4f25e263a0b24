#!/bin/bash
# 50-fetch.t — `newswatch once` over HTTP against tests/servers/feedserver.py
# on 127.0.0.1: one good feed among hostile and broken ones. Every bad feed
# ends with its expected error in bounded time, the good feed still alerts,
# and the second run sends the validators back and parses nothing (304).
. "$(dirname "$0")/once-lib.sh"
require_binary

export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

srv=$T/server
mkdir -p "$srv"
$PY "$ROOT/tests/servers/feedserver.py" --root "$T/feeds" --log-dir "$srv" \
	--port-file "$srv/port" >/dev/null 2>&1 &
srv_pid=$!
trap 'kill $srv_pid 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 250); do [ -s "$srv/port" ] && break; sleep 0.02; done
port=$(cat "$srv/port")
base=http://127.0.0.1:$port
ok "$([ -n "$port" ]; echo $?)" "feedserver.py listens on 127.0.0.1:$port"

# The good feed alone, from a file, is the reference for what must alert.
write_config "$T/ref.conf" good wire.rss
run_once "$T/ref" -c "$T/ref.conf" --state-dir "$T/ref-state" --watchlists "$WATCHLISTS"
ref_alerts=$(grep -E '^\[[a-z]+\] ' "$T/ref.out" | sed 's/^\[[a-z]*\] [^:]*: //' | LC_ALL=C sort)
ok "$([ -n "$ref_alerts" ]; echo $?)" "the reference run alerts"

# name | path on the server | expected error (extended regex on stderr)
cases=$(cat <<EOF
good|/feed/wire.rss|
hang|/hang|timed out
drip|/drip|timed out
endless|/endless|body larger than 1048576 bytes
bomb|/bomb|body larger than 1048576 bytes
huge|/huge|body larger than 1048576 bytes \\(Content-Length\\)
gone|/status/410|http 410
missing|/status/404|http 404
broken|/status/500|http 500
busy|/status/429?retry_after=120|http 429, server asks to retry after 120 s
to-file|/redirect-to?code=301&url=file://$T/feeds/wire.rss|redirect to file://.* refused
to-ftp|/redirect-to?code=302&url=ftp://127.0.0.1:$port/wire.rss|redirect to ftp://.* refused
to-gopher|/redirect-to?code=301&url=gopher://127.0.0.1:$port/1|redirect to gopher://.* refused
loop|/loop/0|too many redirects
short|/short|
reset|/reset|
EOF
)
{
	echo "[general]"
	echo "backfill_hours = 0"
	echo "timeout = 4s"
	echo "connect_timeout = 2s"
	echo "max_body_kb = 1024"
	echo "max_per_host = 16"
	while IFS='|' read -r name path _; do
		echo
		echo "[feed $name]"
		echo "url = $base$path"
	done <<< "$cases"
} > "$T/net.conf"

start=$(date +%s)
run_once "$T/run1" -c "$T/net.conf" --state-dir "$T/state" --watchlists "$WATCHLISTS"
elapsed=$(( $(date +%s) - start ))
err1=$(cat "$T/run1.err")
is "$rc" 1 "first run exits 1 (some feeds failed)"
ok "$([ "$elapsed" -lt 30 ]; echo $?)" "every feed ended in bounded time (${elapsed} s, hang and drip would take minutes)"
is "$(grep -E '^\[[a-z]+\] ' "$T/run1.out" | sed 's/^\[[a-z]*\] [^:]*: //' | LC_ALL=C sort)" "$ref_alerts" \
   "the good feed alerts exactly as from a file, despite its neighbours"
unlike "$(grep -E '^\[[a-z]+\] ' "$T/run1.out")" '^\[[a-z]+\] [^g]' "no alert from any bad feed"
while IFS='|' read -r name path want; do
	[ "$name" = good ] && continue
	line=$(grep -F "feed \"$name\": " "$T/run1.err" | head -1)
	ok "$([ -n "$line" ]; echo $?)" "$name: an error names the feed"
	[ -n "$want" ] && like "$line" "$want" "$name: $want"
done <<< "$cases"
unlike "$err1" 'feed "good"' "no error for the good feed"

# Nothing followed the refused redirects: the server saw one request each.
reqs=$(grep -c '"path": "/redirect-to' "$srv/requests.jsonl")
is "$reqs" 3 "each refused redirect was asked once, never followed"
is "$(grep -c '"path": "/loop/' "$srv/requests.jsonl")" 6 "the redirect loop stopped after 5 redirects"
like "$(grep '"path": "/feed/wire.rss"' "$srv/requests.jsonl" | head -1)" '"user-agent": "newswatch/[0-9.]+ ' \
     "an honest User-Agent"

# --- second run: the good feed answers 304 -----------------------------------------
run_once "$T/run2" -c "$T/net.conf" --state-dir "$T/state" --watchlists "$WATCHLISTS"
second=$(grep '"path": "/feed/wire.rss"' "$srv/requests.jsonl" | sed -n 2p)
like "$second" '"if-none-match": "\\"[0-9a-f]+\\""' "second run sends If-None-Match"
like "$second" '"if-modified-since": "[A-Z][a-z][a-z], ' "second run sends If-Modified-Since"
is "$(grep -cE '^\[[a-z]+\] ' "$T/run2.out")" 0 "second run: no alert"
unlike "$(cat "$T/run2.err")" 'feed "good"' "second run: no error for the good feed"
like "$(grep 'GET /feed/wire.rss' "$srv/access.log" | tail -1)" ' 304$' "the server answered 304"

done_testing
