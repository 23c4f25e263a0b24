#!/bin/bash
# 80-faults-state.t — the state database in trouble: read-only, corrupted
# (random bytes in the header, random bytes over its pages), disk full, the
# state folder missing or impossible to create. Each: a clear message naming
# the file, no crash, and recovery where possible — a corrupted database is
# moved aside (kept, byte for byte) and reported, never silently emptied; a
# poll that could not be written alerts again on the next run.
# (Deleted while the daemon runs: 80-faults-process.t.)
. "$(dirname "$0")/faults-lib.sh"
require_binary
conf=$T/newswatch.conf
write_config "$conf" wire wire.rss review review.atom

fresh_state() {     # fresh_state DIR: a state folder that has seen every fixture item
	rm -rf "$1"
	run_once "$T/seed" -c "$conf" --state-dir "$1" --watchlists "$WATCHLISTS"
	[ "$rc" = 0 ] || diag "seeding $1 failed: $(cat "$T/seed.err")"
}
add_item() {        # add_item TITLE: a new matching item in wire.rss
	sed -i "s|</channel>|<item><title>$1</title><link>https://wire.example.com/$RANDOM$RANDOM</link><description>x</description></item></channel>|" "$T/feeds/wire.rss"
}
no_crash() {        # no_crash NAME: the exit status is one of newswatch's own
	ok "$([ "$rc" -lt 5 ]; echo $?)" "$1: no crash (exit $rc)"
}

# --- 1. read-only database ---------------------------------------------------------
st=$T/ro
fresh_state "$st"
if [ "$(id -u)" = 0 ]; then
	lock() { chattr +i "$st/newswatch.db"; }          # root ignores file modes
	unlock() { chattr -i "$st/newswatch.db"; }
else
	lock() { chmod 0400 "$st/newswatch.db"; chmod 0500 "$st"; }
	unlock() { chmod 0700 "$st"; chmod 0600 "$st/newswatch.db"; }
fi
if lock 2> /dev/null; then
	add_item "Hegseth writes to a read-only world"
	measured "$T/ro1" "$NEWSWATCH" once -c "$conf" --state-dir "$st" --watchlists "$WATCHLISTS"
	unlock
	diag "read-only: exit $rc: $(head -3 "$T/ro1.err")"
	no_crash "read-only"
	ok "$([ "$rc" -ne 0 ]; echo $?)" "read-only: the run says it failed (exit $rc)"
	like "$(cat "$T/ro1.err")" 'state database.*(read-only|readonly|permission|not permitted)' \
	     "read-only: the message says the state database is read-only"
	run_once "$T/ro2" -c "$conf" --state-dir "$st" --watchlists "$WATCHLISTS"
	like "$(cat "$T/ro2.out")" 'Hegseth writes to a read-only world' "read-only: once writable again, the item alerts (nothing was lost)"
else
	ok 0 "read-only: # SKIP cannot make a file read-only here"
fi

# --- 2. corrupted: garbage over the header, then over the pages ---------------------
for where in header pages; do
	st=$T/corrupt-$where
	fresh_state "$st"
	db=$st/newswatch.db
	if [ "$where" = header ]; then
		head -c 100 /dev/urandom | dd of="$db" bs=1 seek=0 conv=notrunc status=none
	else
		size=$(stat -c %s "$db")
		head -c $((size / 2)) /dev/urandom | dd of="$db" bs=1 seek=$((size / 4)) conv=notrunc status=none
	fi
	cp "$db" "$T/damaged-$where"
	measured "$T/c-$where" "$NEWSWATCH" once -c "$conf" --state-dir "$st" --watchlists "$WATCHLISTS"
	diag "corrupt $where: exit $rc: $(head -2 "$T/c-$where.err")"
	no_crash "corrupt $where"
	aside=$(ls "$db".corrupt-* 2> /dev/null | head -1)
	ok "$([ -n "$aside" ]; echo $?)" "corrupt $where: the damaged file is moved aside ($(basename "${aside:-none}"))"
	ok "$(cmp -s "$aside" "$T/damaged-$where"; echo $?)" "corrupt $where: kept byte for byte, never emptied"
	like "$(cat "$T/c-$where.err")" "newswatch\.db.*corrupt|corrupt.*newswatch\.db|not a valid database" \
	     "corrupt $where: reported, naming the file"
	like "$(cat "$T/c-$where.err")" "$(basename "${aside:-none}")" "corrupt $where: the message says where it went"
done

# --- 3. disk full: a small tmpfs -----------------------------------------------------
mnt=$T/small
mkdir -p "$mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4m,mode=0700 tmpfs "$mnt" 2> /dev/null; then
	trap 'umount "$mnt" 2>/dev/null; kill $SERVER_PID 2>/dev/null; rm -rf "$T"' EXIT
	st=$mnt/state
	fresh_state "$st"
	# fill what is left but 48 KiB (the database opens), then ask for much more
	dd if=/dev/zero of="$mnt/filler" bs=4k status=none 2> /dev/null || true
	truncate -s -48K "$mnt/filler"
	# 40 distinct stories (random words: near-identical titles would be one story)
	for i in $(seq 40); do
		add_item "Hegseth item $i: $(head -c 300 /dev/urandom | md5sum | sed 's/\(....\)/\1 /g') $(head -c 3000 /dev/urandom | base64 -w0 | tr -dc 'a-z ' | head -c 600)"
	done
	measured "$T/full1" "$NEWSWATCH" once -c "$conf" --state-dir "$st" --watchlists "$WATCHLISTS"
	diag "disk full: exit $rc: $(grep -m2 . "$T/full1.err")"
	no_crash "disk full"
	ok "$([ "$rc" -ne 0 ]; echo $?)" "disk full: the run says it failed (exit $rc)"
	like "$(cat "$T/full1.err")" '(full|space|disk)' "disk full: a clear message"
	rm -f "$mnt/filler"
	run_once "$T/full2" -c "$conf" --state-dir "$st" --watchlists "$WATCHLISTS"
	is "$rc" 0 "disk full: with space again the next run succeeds"
	is "$(grep -c '^\[[a-z]*\] wire: Hegseth item' "$T/full2.out")" 40 "disk full: the 40 items that could not be written alert now (none lost)"
	ok "$(sqlite3 "$st/newswatch.db" 'PRAGMA integrity_check' | grep -qx ok; echo $?)" "disk full: integrity_check ok"
	umount "$mnt"
else
	ok 0 "disk full: # SKIP no tmpfs mount here (test_store covers disk full with max_page_count)"
fi

# --- 4. the state folder missing ----------------------------------------------------------
st=$T/missing/deeper/state
run_once "$T/m1" -c "$conf" --state-dir "$st" --watchlists "$WATCHLISTS"
is "$rc" 0 "missing state folder: created, the run succeeds"
is "$(stat -c %a "$st")" 700 "missing state folder: created with mode 0700"
is "$(stat -c %a "$st/newswatch.db")" 600 "the database is created with mode 0600"
touch "$T/a-file"
run_once "$T/m2" -c "$conf" --state-dir "$T/a-file/state" --watchlists "$WATCHLISTS"
no_crash "uncreatable state folder"
is "$rc" 4 "uncreatable state folder: exit 4 (state database unusable)"
like "$(cat "$T/m2.err")" "a-file/state" "uncreatable state folder: the message names the folder"
is "$(grep -c . "$T/m2.out")" 0 "uncreatable state folder: nothing polled or printed"
done_testing
