#!/bin/bash
# 20-parse.t — `newswatch parse` end to end: the real binary on conformance
# fixtures (files, stdin, file:// and http:// from a server on 127.0.0.1),
# JSON and text output, exit codes, hostile input.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NEWSWATCH=${NEWSWATCH:-$ROOT/build/newswatch}
case $NEWSWATCH in /*) ;; *) NEWSWATCH=$ROOT/$NEWSWATCH ;; esac
FIX=$ROOT/tests/fixtures/feeds
BASE=https://example.org/news/feed.xml
T=$(mktemp -d "${TMPDIR:-/tmp}/newswatch-parse.XXXXXX")
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
is() { [ "$1" = "$2" ]; r=$?; ok $r "$3"; [ $r = 0 ] || printf '# got:  %s\n# want: %s\n' "$1" "$2"; }
like() { printf '%s' "$1" | grep -Eq -- "$2"; r=$?; ok $r "$3"; [ $r = 0 ] || printf '# got: %s\n' "$1" | head -5; }

[ -x "$NEWSWATCH" ] || { echo "1..0 # SKIP $NEWSWATCH not built"; exit 0; }

# --- JSON output equals the conformance suite's expected lines ------------------
for c in format-rss20 format-atom10 format-rss10 bad-bare-ampersand-title enc-iso-8859-1-is-cp1252 \
         evil-billion-laughs date-rfc822-colon-offset; do
	out=$("$NEWSWATCH" parse --json --base "$BASE" "$FIX/$c.xml")
	is "$out" "$(cat "$FIX/$c.expected.json")" "parse --json $c.xml prints the expected lines"
done
out=$("$NEWSWATCH" parse --json --base "$BASE" "$FIX/format-jsonfeed10.json")
is "$out" "$(cat "$FIX/format-jsonfeed10.expected.json")" "parse --json on a JSON Feed"
out=$("$NEWSWATCH" parse --json --base "$BASE" --charset windows-1251 "$FIX/enc-http-charset-1251.xml")
is "$out" "$(cat "$FIX/enc-http-charset-1251.expected.json")" "--charset stands in for the HTTP charset"

# --- an HTML error page: no items, a clear error, exit 1 ----------------------
out=$("$NEWSWATCH" parse --json "$FIX/bad-html-error-page.xml" 2>"$T/err"); rc=$?
is "$rc" 1 "HTML page: exit status 1"
is "$(printf '%s\n' "$out" | wc -l)" 1 "HTML page: only the feed line, no invented items"
like "$out" '"kind":"feed".*"error":"not a feed \(looks like HTML\)"' "HTML page: error in the feed object"
like "$(cat "$T/err")" 'bad-html-error-page.xml: not a feed \(looks like HTML\)' "HTML page: message names the file"

# --- text mode ------------------------------------------------------------------
out=$("$NEWSWATCH" parse "$FIX/format-rss20.xml")
like "$out" '^feed: Test Feed' "text: feed title first"
like "$out" 'format: rss2.0, encoding: UTF-8, 2 items' "text: format, encoding, item count"
like "$out" '1\. First' "text: numbered item titles"
like "$out" 'published: 2024-01-15T10:00:00Z' "text: dates in RFC 3339 UTC"
out=$("$NEWSWATCH" parse "$FIX/bad-undeclared-html-entities.xml")
like "$out" 'ill-formed: repaired' "text: says when a feed was ill-formed and what was repaired"

# --- stdin, file:// ---------------------------------------------------------------
out=$("$NEWSWATCH" parse --json --base "$BASE" - < "$FIX/format-atom10.xml")
is "$out" "$(cat "$FIX/format-atom10.expected.json")" "FILE - reads standard input"
out=$("$NEWSWATCH" parse --json "file://$FIX/title-non-ascii.xml")
like "$out" '"title":"Зеленський у Мюнхені' "file:// URL read through libcurl"

# --- http:// from a server on 127.0.0.1 ------------------------------------------
/usr/bin/python3 - "$FIX" "$T/port" <<'PY' &
import functools, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
    def guess_type(self, path):
        return 'application/rss+xml; charset=windows-1251' if path.endswith('1251.xml') else 'text/xml'
srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(H, directory=sys.argv[1]))
open(sys.argv[2], 'w').write(str(srv.server_address[1]))
srv.serve_forever()
PY
server=$!
for i in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port" 2>/dev/null)
out=$("$NEWSWATCH" parse --json "http://127.0.0.1:$port/link-relative.xml")
like "$out" '"link":"http://127.0.0.1:'"$port"'/2024/01/story"' "http: relative links resolve against the URL read"
out=$("$NEWSWATCH" parse --json "http://127.0.0.1:$port/enc-http-charset-1251.xml")
like "$out" '"title":"Міністерство"' "http: the Content-Type charset is used"
out=$("$NEWSWATCH" parse --json "http://127.0.0.1:$port/no-such-feed.xml" 2>"$T/err"); rc=$?
is "$rc" 1 "http 404: exit status 1"
like "$(cat "$T/err")" 'http 404' "http 404: says so"

# --- hostile input ------------------------------------------------------------------
out=$("$NEWSWATCH" parse --json "$FIX/evil-xxe-file.xml")
if printf '%s' "$out" | grep -q 'root:'; then ok 1 "XXE: /etc/passwd is never read"; else ok 0 "XXE: /etc/passwd is never read"; fi
start=$(date +%s)
/usr/bin/python3 -c "
import sys
sys.stdout.write('<rss><channel><item><title>deep</title>' + '<x>' * 200000 + '</x>' * 200000 + '</item><item><title>after</title></item></channel></rss>')
" > "$T/deep.xml"
out=$("$NEWSWATCH" parse --json "$T/deep.xml")
like "$out" '"title":"after"' "200,000-level nesting: the item after it survives"
[ $(( $(date +%s) - start )) -lt 20 ]; ok $? "200,000-level nesting: bounded time"

# --- usage ----------------------------------------------------------------------
"$NEWSWATCH" parse >/dev/null 2>&1; is "$?" 2 "no FILE: usage error (exit 2)"
"$NEWSWATCH" parse "$T/missing.xml" >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "missing file: exit 1"
like "$(cat "$T/err")" 'missing.xml: No such file' "missing file: names it"

echo "1..$n"
