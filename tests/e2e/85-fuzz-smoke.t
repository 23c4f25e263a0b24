#!/bin/bash
# 85-fuzz-smoke.t — every libFuzzer target (tests/fuzz/run) for a short
# while on every `make check`: 60 s each under CI (CI=true) or with
# FUZZ_SMOKE=1, 10 s each otherwise; targets run two at a time, so CI spends
# about 7 x 60 / 2 s. Fails on any crash, leak or sanitizer report (the
# failing input is saved under tests/fixtures/fuzz-regressions/). Prints the
# executions per target. Skipped without clang's libFuzzer.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
if ! command -v clang > /dev/null || ! clang -print-file-name=libclang_rt.fuzzer-x86_64.a > /dev/null 2>&1; then
	echo "1..0 # SKIP clang with libFuzzer not installed"
	exit 0
fi
secs=10
if [ "${CI:-}" = true ] || [ "${FUZZ_SMOKE:-}" = 1 ]; then
	secs=60
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
FUZZ_SECONDS=$secs FUZZ_JOBS=${FUZZ_JOBS:-2} tests/fuzz/run > "$out" 2>&1
rc=$?
n=0
while read -r target execs speed corpus result; do
	[ "$target" = target ] && continue
	case $target in fuzz:*|===*|"") continue ;; esac
	[ -n "$result" ] || continue
	n=$((n + 1))
	if [ "$result" = ok ]; then
		echo "ok $n - fuzz_$target: ${secs}s, $execs executions ($speed/s), corpus $corpus, clean"
	else
		echo "not ok $n - fuzz_$target: $result after $execs executions"
	fi
done < <(sed -n '/^target /,/^fuzz: /p' "$out")
if [ "$rc" != 0 ] || [ "$n" -eq 0 ]; then
	n=$((n + 1))
	echo "not ok $n - tests/fuzz/run exited $rc"
	sed 's/^/# /' "$out" | tail -60
fi
echo "1..$n"
