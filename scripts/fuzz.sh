#!/bin/sh
# fuzz.sh GO PKG NAME FUZZTIME: fuzz one target for FUZZTIME.
#
# Go 1.26's fuzz coordinator can report a bare "context deadline exceeded"
# when -fuzztime expires while a worker is mid-run on a loaded machine
# (go.dev/issue/75804, fixed in Go 1.27): no input failed, nothing was
# written to testdata/fuzz. It hit 2 of 22 runs here, so such a run is
# retried, up to three attempts, each said in the output. A run that
# wrote a failing input, panicked or failed in any other way fails at once.
set -u
go=$1 pkg=$2 name=$3 fuzztime=$4
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for attempt in 1 2 3; do
	echo "fuzz ./$pkg $name for $fuzztime (attempt $attempt)"
	if "$go" test -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" -parallel 2 "./$pkg" >"$log" 2>&1; then
		cat "$log"
		exit 0
	fi
	cat "$log"
	if grep -q 'context deadline exceeded' "$log" &&
		! grep -qE 'Failing input written|panic:' "$log" &&
		[ "$(grep -c -- '--- FAIL' "$log")" -eq 1 ] &&
		[ "$(grep -A1 -- '--- FAIL' "$log" | tail -n 1 | tr -d '[:space:]')" = "contextdeadlineexceeded" ]; then
		echo "fuzz ./$pkg $name: the coordinator's deadline race (go.dev/issue/75804), no failing input; run again"
		continue
	fi
	exit 1
done
echo "fuzz ./$pkg $name: the deadline race three times in a row"
exit 1
