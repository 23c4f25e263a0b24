#!/bin/bash
# 80-faults-feeds.t — every hostile or broken feed of issue 8, one scenario
# per `newswatch once` run, next to two good feeds on the same server. For
# each: the run ends in bounded time (timeout = 5 s in the config) and bounded
# memory, the bad feed gets one clear error (or is parsed safely), nothing
# crashes, and the two good feeds in the same run still alert exactly as
# without the bad one. XXE and the ftp/gopher redirects point at a canary
# port: the canary's log must stay empty.
#
# The endless chunked body and the 100,000-item feed may end either way: the
# parser's item cap (10,000) accepts the first items as an ill-formed feed,
# or the 8 MiB body cap refuses it, whichever the byte stream reaches first.
. "$(dirname "$0")/faults-lib.sh"
require_binary
start_faultserver
CLOSED=$(closed_port)
MAX_SECS=20          # timeout 5 s + connect 3 s + slack for a loaded CI machine
MAX_RSS_KB=262144    # 256 MiB; a quiet run takes ~20 MiB

# name | path (or URL) | extra [general] line | error regex for feed "bad" ("" = may succeed)
SCENARIOS=$(cat <<EOF
refused|http://127.0.0.1:$CLOSED/feed.xml||refused|connect
reset|/reset||
hang|/hang||timed out
drip|/drip||timed out|too slow
endless|/endless||
gzip-bomb|/bomb?mb=64||too large|larger than|limit|not a feed
xml-gzip-bomb|/doc/xmlbomb||too large|larger than|limit
short-body|/short||
html-200|/doc/html200||not a feed|HTML|html
empty-200|/empty||empty|no feed|not a feed
huge-length|/huge||too large|larger than|limit
bad-gzip|/badgzip||
wrong-charset|/doc/charset||
nested-10000|/doc/nested||
items-100000|/doc/items||
title-10mb|/doc/bigtitle|max_body_kb = 20480|
nul-bytes|/doc/nul||
bad-utf8|/doc/badutf8||
xxe|/doc/xxe||
billion-laughs|/doc/laughs||
big-entity|/doc/bigentity|max_body_kb = 20480|
redirect-loop|/loop/0||redirect
redirect-file|/redirect-to?url=file:///etc/passwd||redirect|protocol|scheme|not allowed|refused
redirect-ftp|/redirect-to?url=ftp://127.0.0.1:$CANARY/feed||redirect|protocol|scheme|not allowed|refused
redirect-gopher|/redirect-to?url=gopher://127.0.0.1:$CANARY/feed||redirect|protocol|scheme|not allowed|refused
EOF
)

tried=0
passed_before=0
while IFS='|' read -r name path extra errre; do
	[ -n "$name" ] || continue
	tried=$((tried + 1))
	fails_before=$tap_failed
	case $path in http*|file*) url=$path ;; *) url=http://127.0.0.1:$PORT$path ;; esac
	conf=$T/$name.conf
	good_feeds_conf "$conf" "$extra"
	printf '\n[feed bad]\nurl = %s\n' "$url" >> "$conf"
	measured "$T/$name" "$NEWSWATCH" once -c "$conf" --state-dir "$T/state-$name" --watchlists "$WATCHLISTS"
	diag "$name: exit $rc, ${secs}s, $((rss_kb / 1024)) MiB; $(grep -m1 'feed "bad"' "$T/$name.err" | cut -c1-150)"
	ok "$([ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; echo $?)" "$name: exits 0 or 1 (got $rc; no crash)"
	ok "$(le "$secs" "$MAX_SECS"; echo $?)" "$name: bounded time (${secs}s <= ${MAX_SECS}s)"
	ok "$(le "$rss_kb" "$MAX_RSS_KB"; echo $?)" "$name: bounded memory ($((rss_kb / 1024)) MiB)"
	ok "$(expected_titles_in "$T/$name.out"; echo $?)" "$name: the good feeds in the same run still alert"
	unlike "$(cat "$T/$name.err")" 'feed "(wire|review)"' "$name: no error for the good feeds"
	if [ -n "$errre" ]; then
		like "$(grep 'feed "bad"' "$T/$name.err")" "feed \"bad\": .*($errre)" "$name: a clear error for the bad feed"
		is "$(grep -c 'feed "bad"' "$T/$name.err")" 1 "$name: one error line for it"
	elif [ "$rc" -ne 0 ]; then
		like "$(grep 'feed "bad"' "$T/$name.err")" 'feed "bad": [A-Za-z]' "$name: failed with a message naming the feed"
	fi
	ok "$("$PY" -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' < "$T/$name.out" 2>/dev/null; echo $?)" \
	   "$name: stdout is valid UTF-8"
	is "$(tr -d '\n' < "$T/$name.out" | LC_ALL=C tr -d '[:print:]\200-\377' | wc -c)" 0 \
	   "$name: no control characters on stdout"
	unlike "$(cat "$T/$name.out" "$T/$name.err")" 'root:.*:0:0:' "$name: /etc/passwd never shows up"
	[ "$tap_failed" -eq "$fails_before" ] && passed_before=$((passed_before + 1))
done <<< "$SCENARIOS"

# --- what must never have happened ---------------------------------------------
is "$(cat "$T/srv/canary.log" 2>/dev/null)" "" "no connection ever reached the canary port (XXE, ftp://, gopher://)"
unlike "$(cat "$T/srv/access.log")" 'xxe-' "no request for an XXE system id reached the server"
like "$(cat "$T/wrong-charset.out")" 'Hegseth meets' "wrong charset: the item is still read and alerts"
like "$(cat "$T/bad-utf8.out")" 'Hegseth' "invalid UTF-8: the item is still read (with replacement characters) and alerts"
unlike "$(cat "$T/billion-laughs.out")" 'lollol' "billion laughs: no entity expanded"
unlike "$(cat "$T/big-entity.out")" 'BBBBBBBB' "one big entity: never expanded"
diag "fault scenarios: $tried tried, $passed_before passed every check"
done_testing
