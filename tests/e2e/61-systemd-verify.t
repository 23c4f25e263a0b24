#!/bin/bash
# 61-systemd-verify.t — the user units as `make install` generates them:
# @BINDIR@/@DATADIR@ substituted, installed under $(PREFIX)/lib/systemd/user,
# accepted by `systemd-analyze --user verify`, and carrying the directives the
# daemon relies on. Skipped where systemd-analyze is absent.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NEWSWATCH=${NEWSWATCH:-$ROOT/build/newswatch}
case $NEWSWATCH in /*) ;; *) NEWSWATCH=$ROOT/$NEWSWATCH ;; esac

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed"
	exit 0
fi
if [ ! -x "$NEWSWATCH" ]; then
	echo "1..0 # SKIP $NEWSWATCH not built (run make)"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/newswatch-units.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# --- make install puts generated units in $(PREFIX)/lib/systemd/user -----------
make -s -C "$ROOT" install DESTDIR="$T/dest" PREFIX=/usr >"$T/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr succeeds"
units=$T/dest/usr/lib/systemd/user
for u in newswatch.service newswatch-once.service newswatch-once.timer; do
	[ -f "$units/$u" ]; ok $? "installed $u under PREFIX/lib/systemd/user"
done
! grep -q '@[A-Z]*@' "$units"/* ; ok $? "no @PLACEHOLDER@ left in the installed units"
grep -q '^ExecStart=/usr/bin/newswatch run$' "$units/newswatch.service"
ok $? "ExecStart names \$(BINDIR)/newswatch run"

# --- verify: with ExecStart pointing at the binary just built -------------------
mkdir -p "$T/units" "$T/run"
chmod 700 "$T/run"
for u in "$ROOT"/systemd/*.in; do
	sed -e "s|@BINDIR@|$(dirname "$NEWSWATCH")|g" -e "s|@DATADIR@|$ROOT|g" "$u" > "$T/units/$(basename "$u" .in)"
done
out=$(cd "$T/units" && XDG_RUNTIME_DIR=$T/run systemd-analyze --user verify \
	"$T/units/newswatch.service" "$T/units/newswatch-once.service" "$T/units/newswatch-once.timer" 2>&1)
rc=$?
ok $rc "systemd-analyze --user verify accepts all three units"
[ -z "$out" ]; ok $? "... without a single warning"
[ -n "$out" ] && diag "$out"

s=$T/units/newswatch.service
for want in '^Type=notify$' '^Restart=on-failure$' '^RestartPreventExitStatus=3$' '^WatchdogSec=' \
            '^ExecReload=/bin/kill -HUP \$MAINPID$' '^StartLimitBurst=' '^UMask=0077$' \
            '^NoNewPrivileges=yes$' '^SystemCallFilter=@system-service$' '^MemoryDenyWriteExecute=yes$' \
            '^RestrictAddressFamilies=.*AF_UNIX'; do
	grep -Eq "$want" "$s"; ok $? "newswatch.service has $want"
done
# Mount-namespace sandboxing fails or is ignored in a systemd 252 user manager.
! grep -Eq '^(ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|ProtectKernel[A-Za-z]*|ProtectControlGroups)=' "$s"
ok $? "no namespace-based directive a systemd 252 user manager cannot apply"
# RestartPreventExitStatus must match the config-error exit code of src/cli.h.
grep -Eq 'EXIT_CONFIG = 3,' "$ROOT/src/cli.h"; ok $? "exit status 3 is still EXIT_CONFIG in src/cli.h"

sec=$(cd "$T/units" && XDG_RUNTIME_DIR=$T/run systemd-analyze --user security --offline=yes "$s" 2>/dev/null | tail -1)
diag "systemd-analyze --user security: ${sec:-(not available)}"

echo "1..$n"
[ "$failed" -eq 0 ]
