#!/bin/bash
# 82-security.t — the security claims of docs/SECURITY.md that need the real
# binary:
#  1. secrets never reach a log, an error message, the terminal or the state
#     database: a full run with an email channel (STARTTLS + AUTH, password
#     inline) and webhooks (token, HMAC secret, a secret URL, one failing) at
#     -vv, plus check, test-alert, outbox, status, history and a short daemon
#     run, is searched for every secret (and its base64 forms);
#  2. files are private: the state folder 0700, the database and its WAL
#     0600, a config created by import-opml 0600 in a 0700 folder;
#  3. a config others can read that holds a secret gets a warning;
#  4. hostile feed text cannot inject: terminal escapes are gone from every
#     text output, email headers cannot be added (CR LF in a title), Slack
#     and Discord mentions are neutralised, every JSON line stays one valid
#     object.
. "$(dirname "$0")/faults-lib.sh"
require_binary
start_faultserver
HOOK=http://127.0.0.1:$PORT/hook

# --- a hostile feed (JSON Feed: it can carry any control character) ------------------
cat > "$T/feeds/hostile.json" <<'EOF'
{"version": "https://jsonfeed.org/version/1.1", "title": "Hostile", "items": [
 {"id": "esc", "url": "https://hostile.example/esc", "title": "Hegseth \u001b]0;owned\u0007 \u001b[31mred\u001b[0m back\b\b CR\rdone \u009b2J",
  "content_text": "Terminal games \u001b[2J"},
 {"id": "mention", "url": "https://hostile.example/mention", "title": "Rutte <!channel> @everyone @here <@U024BE7LH> <b>bold</b> & co",
  "content_text": "Pinging everyone"},
 {"id": "header", "url": "https://hostile.example/header", "title": "Zelenskyy\r\nBcc: victim@example.com\r\nX-Injected: yes",
  "content_text": "Header games"}
]}
EOF

# --- secrets -----------------------------------------------------------------------
SMTP_PASS=smtp-PASS-$RANDOM$RANDOM
TOKEN=tok-$RANDOM$RANDOM
HMAC=hmac-$RANDOM$RANDOM
URLSECRET=url-$RANDOM$RANDOM
URLSECRET2=urlfile-$RANDOM$RANDOM
SECRETS="$SMTP_PASS $TOKEN $HMAC $URLSECRET $URLSECRET2"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
	-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 > /dev/null 2>&1
mkdir -p "$T/mail"
"$PY" "$ROOT/tests/servers/smtp_server.py" --dir "$T/mail" --cert "$T/cert.pem" --key "$T/key.pem" \
	--auth "nwuser:$SMTP_PASS" > "$T/mail.port" 2> "$T/mail.err" &
MAIL_PID=$!
for _ in $(seq 100); do grep -q PORT "$T/mail.port" && break; sleep 0.1; done
MAIL_PORT=$(sed -n 's/PORT //p' "$T/mail.port")
mkdir -p "$T/plainmail"
"$PY" "$ROOT/tests/servers/smtp_server.py" --dir "$T/plainmail" > "$T/plainmail.port" 2>&1 &
for _ in $(seq 100); do grep -q PORT "$T/plainmail.port" && break; sleep 0.1; done
PLAIN_PID=$!
PLAIN_PORT=$(sed -n 's/PORT //p' "$T/plainmail.port")
# The SMTP servers go with the test, whatever way it ends.
trap 'kill $SERVER_PID $MAIL_PID $PLAIN_PID 2>/dev/null; [ -n "${NW_KEEP:-}" ] || rm -rf "$T"' EXIT
printf '%s/ok/%s\n' "$HOOK" "$URLSECRET2" > "$T/hook-url"

conf=$T/newswatch.conf
{
	echo "[general]"
	echo "backfill_hours = 0"
	echo "min_interval = 1s"
	echo "interval = 2s"
	echo
	echo "[feed hostile]"
	echo "url = http://127.0.0.1:$PORT/feed/hostile.json"
	echo
	echo "[channel mail]"
	echo "type = email"
	echo "url = smtp://localhost:$MAIL_PORT"
	echo "ca_file = $T/cert.pem"
	echo "from = newswatch@example.com"
	echo "to = me@example.com"
	echo "username = nwuser"
	echo "password = $SMTP_PASS"
	echo
	echo "[channel plainmail]"
	echo "type = email"
	echo "url = smtp://127.0.0.1:$PLAIN_PORT"
	echo "tls = none"
	echo "from = newswatch@example.com"
	echo "to = me@example.com"
	echo
	echo "[channel failing]"
	echo "type = webhook"
	echo "preset = json"
	echo "url = $HOOK/code/500/$URLSECRET"
	echo "token = $TOKEN"
	echo "hmac_secret = $HMAC"
	echo
	echo "[channel fromfile]"
	echo "type = webhook"
	echo "preset = json"
	echo "url_file = $T/hook-url"
	echo
	echo "[channel slack]"
	echo "type = webhook"
	echo "preset = slack"
	echo "url = $HOOK/ok/slack"
	echo
	echo "[channel discord]"
	echo "type = webhook"
	echo "preset = discord"
	echo "url = $HOOK/ok/discord"
	echo
	echo "[channel log]"
	echo "type = jsonl"
	echo "path = $T/alerts.jsonl"
} > "$conf"
chmod 600 "$conf"
st=$T/state
nw() { "$NEWSWATCH" "$@" -c "$conf" --state-dir "$st" --watchlists "$WATCHLISTS"; }

# --- 1. a full run, every command, -vv ----------------------------------------------
nw once -vv > "$T/once.out" 2> "$T/once.err" < /dev/null
is "$(grep -c '^\[[a-z]*\] hostile: ' "$T/once.out")" 3 "the three hostile items alert"
ls "$T/mail"/*.eml > /dev/null 2>&1
ok $? "the email channel delivered over STARTTLS with AUTH (the password was used)"
like "$(cat "$T/mail/auth.log" 2>/dev/null)" 'tls=True ok=True' "AUTH happened inside TLS and succeeded"
{
	nw check -vv
	nw test-alert -vv
	nw outbox --all
	nw outbox --all --json
	nw status
	nw history
	nw history --json
} > "$T/cmds.out" 2> "$T/cmds.err" < /dev/null
# a short daemon run at -vv
XDG_RUNTIME_DIR=$T "$NEWSWATCH" run -vv -c "$conf" --state-dir "$st" --watchlists "$WATCHLISTS" \
	> "$T/run.out" 2> "$T/run.err" < /dev/null &
DPID=$!
sleep 4
kill -TERM $DPID; wait $DPID
is "$?" 0 "the daemon ran and stopped cleanly"
like "$(cat "$T/once.err" "$T/run.err")" 'channel "failing": http 500' "the failing webhook's error was logged (so its message was checked)"
all=$T/everything
cat "$T"/once.* "$T"/cmds.* "$T"/run.* > "$all"
strings "$st"/newswatch.db* >> "$T/db-strings" 2>/dev/null
for s in $SECRETS; do
	b64=$(printf '%s' "$s" | base64)
	plain=$(printf '\0nwuser\0%s' "$s" | base64)
	unlike "$(cat "$all")" "$s|$b64|$plain" "secret ${s%%-*}… appears in no output, log or error message"
	unlike "$(cat "$T/db-strings")" "$s" "secret ${s%%-*}… is not stored in the state database"
done

# --- 2. file modes -------------------------------------------------------------------
is "$(stat -c %a "$st")" 700 "state folder 0700"
for f in "$st"/newswatch.db*; do
	is "$(stat -c %a "$f")" 600 "$(basename "$f") 0600"
done
cat > "$T/list.opml" <<'EOF'
<?xml version="1.0"?><opml version="2.0"><body><outline type="rss" text="Wire" xmlUrl="https://wire.example.com/rss.xml"/></body></opml>
EOF
"$NEWSWATCH" import-opml "$T/list.opml" -c "$T/newconf/sub/newswatch.conf" > "$T/opml.out" 2>&1 < /dev/null
is "$?" 0 "import-opml creates a new config"
is "$(stat -c %a "$T/newconf/sub/newswatch.conf" 2>/dev/null)" 600 "a config newswatch creates is 0600"
is "$(stat -c %a "$T/newconf/sub" 2>/dev/null)" 700 "in a folder it creates 0700"

# --- 3. readable config with a secret: a warning -------------------------------------
chmod 644 "$conf"
nw check > /dev/null 2> "$T/check644.err" < /dev/null
like "$(cat "$T/check644.err")" "^warning: $conf:[0-9]+: channel \"mail\": password is written in a file others can read" \
     "0644 config with an inline password: a warning naming file:line, channel and key"
like "$(cat "$T/check644.err")" "channel \"failing\": token" "… and the webhook token"
unlike "$(cat "$T/check644.err")" "$SMTP_PASS|$TOKEN" "… without printing the secrets"
unlike "$(cat "$T/check644.err")" 'channel "fromfile"' "a secret read from url_file gets no warning"
chmod 600 "$conf"
nw check > /dev/null 2> "$T/check600.err" < /dev/null
unlike "$(cat "$T/check600.err")" 'others can read' "0600: no warning"

# --- 4. injection -----------------------------------------------------------------------
for f in once.out cmds.out; do
	is "$(LC_ALL=C tr -d '\n\t[:print:]\200-\377' < "$T/$f" | wc -c)" 0 "$f: no control characters reach the terminal"
	unlike "$(cat "$T/$f")" $'\xc2\x9b' "$f: no C1 CSI either"
done
ok "$("$PY" -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line); n += 1
sys.exit(0 if n >= 3 else 1)' "$T/alerts.jsonl"; echo $?)" "jsonl: one valid JSON object per line"
eml=$(grep -l 'Zelenskyy' "$T/plainmail"/*.eml | head -1)
headers=$(sed '/^\r\?$/q' "$eml")
unlike "$headers" '^(Bcc|X-Injected):' "email: a CR LF in a title adds no header"
is "$(printf '%s\n' "$headers" | grep -c '^Subject:')" 1 "email: one Subject header"
bcc=$("$PY" -c 'import glob, json, sys
print(" ".join(sorted(set(r for f in glob.glob(sys.argv[1] + "/*.json") for r in json.load(open(f))["rcpt_tos"]))))' "$T/plainmail")
is "$bcc" "me@example.com" "email: the only recipient is the configured one"
slack=$(grep '"/hook/ok/slack"' "$T/srv/hooks.jsonl" | grep Rutte | head -1)
ok "$([ -n "$slack" ]; echo $?)" "slack: the mention item was posted"
unlike "$slack" '<!channel>|<@U024BE7LH>' "slack: <!channel> and <@user> are escaped, not live mentions"
discord=$(grep '"/hook/ok/discord"' "$T/srv/hooks.jsonl" | grep Rutte | head -1)
like "$discord" 'allowed_mentions' "discord: allowed_mentions is set"
like "$(printf '%s' "$discord" | "$PY" -c 'import json, sys
print(json.dumps(json.loads(json.loads(sys.stdin.read())["body"]).get("allowed_mentions")))')" \
     '"parse": \[\]' "discord: no mention kind is parsed (@everyone stays text)"
done_testing
