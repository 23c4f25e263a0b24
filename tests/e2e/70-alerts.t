#!/bin/bash
# 70-alerts.t — the alert commands end to end: `newswatch test-alert` through
# a real jsonl channel and a webhook whose server is down (exact error, no
# secret in it), `newswatch outbox` on an empty state, and `check` refusing
# a channel key that does not exist.
. "$(dirname "$0")/once-lib.sh"
require_binary

conf=$T/newswatch.conf
cat > "$conf" <<CONF
[channel file]
type = jsonl
path = $T/alerts.jsonl

[channel down]
type = webhook
preset = slack
url_env = NW_E2E_HOOK
CONF
export NW_E2E_HOOK="http://127.0.0.1:9/services/T000/B000/secret-token"

out=$("$NEWSWATCH" test-alert -c "$conf" --state-dir "$T/state" file 2>&1); rc=$?
is "$rc" 0 "test-alert through a jsonl channel exits 0"
like "$out" '^channel "file" \(jsonl\): delivered$' "test-alert says it was delivered"
like "$(cat "$T/alerts.jsonl" 2>/dev/null)" '"title":"Test alert from newswatch for channel \\"file\\""' \
     "the sample alert is in the file as one JSON line"

out=$("$NEWSWATCH" test-alert -c "$conf" --state-dir "$T/state" --timeout 10 down 2>&1); rc=$?
is "$rc" 1 "test-alert to a server that is down exits 1"
like "$out" 'channel "down" \(webhook\): temporary failure: .*(connect|Connection refused)' \
     "test-alert reports the exact error"
unlike "$out" 'secret-token' "the webhook URL (a secret) is not printed"

out=$("$NEWSWATCH" test-alert -c "$conf" --state-dir "$T/state" nosuch 2>&1); rc=$?
is "$rc" 2 "test-alert with an unknown channel is a usage error"
like "$out" 'no \[channel nosuch\]' "and names the channel"

out=$("$NEWSWATCH" outbox -c "$conf" --state-dir "$T/state" 2>&1); rc=$?
is "$rc" 0 "outbox on an empty state exits 0"
like "$out" 'outbox empty' "outbox says it is empty"
out=$("$NEWSWATCH" outbox -c "$conf" --state-dir "$T/state" retry 2>&1); rc=$?
is "$rc" 0 "outbox retry exits 0"
like "$out" '^0 deliveries queued again' "outbox retry counts what it requeued"

cat > "$T/bad.conf" <<CONF
[channel x]
type = webhook
url = http://127.0.0.1:9/hook
colour = red
CONF
out=$("$NEWSWATCH" check -c "$T/bad.conf" 2>&1); rc=$?
is "$rc" 3 "check refuses an unknown channel key"
like "$out" "bad.conf:4: channel \"x\": unknown key \"colour\"" "with file:line"

done_testing
