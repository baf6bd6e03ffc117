#!/bin/sh
# Golden tests of diagnostics: for each tests/diag/NAME.nas, runs
# `nasc check` (or the command in the file's first line, "# cmd: info")
# and compares stderr and the exit status with tests/diag/NAME.err and
# tests/diag/NAME.status (1 when absent). The whole message is pinned:
# position, text, source line and underline.
#
#   tests/golden.sh NASC            run all
#   tests/golden.sh NASC --update   rewrite the .err files from the output
set -u
nasc=${1:?usage: tests/golden.sh NASC [--update]}
update=${2:-}
dir=tests/diag
root=$(pwd)
passed=0
failed=0
for src in "$dir"/*.nas; do
    name=${src%.nas}
    cmd=$(sed -n '1s/^# cmd: *//p' "$src")
    [ -n "$cmd" ] || cmd=check
    # "# input: PATH" on the second line runs the command on PATH instead,
    # for inputs whose own file name matters.
    input=$(sed -n '2s/^# input: *//p' "$src")
    [ -n "$input" ] || input=$src
    # The checkout's own path varies between machines; it reads as <root>.
    actual=$(timeout 60 "$nasc" $cmd "$input" 2>&1 >/dev/null)
    status=$?
    actual=$(printf '%s\n' "$actual" | sed "s|$root|<root>|g")
    want_status=1
    [ -f "$name.status" ] && want_status=$(cat "$name.status")
    if [ "$update" = --update ]; then
        printf '%s\n' "$actual" > "$name.err"
    fi
    expected=$(cat "$name.err" 2>/dev/null)
    if [ "$actual" = "$expected" ] && [ "$status" = "$want_status" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        if [ "$status" != "$want_status" ]; then
            echo "FAIL $src (exit status $status, expected $want_status)"
        else
            echo "FAIL $src (the message differs)"
        fi
        printf '%s\n' "$actual" > /tmp/nasc-golden-actual.$$
        printf '%s\n' "$expected" | diff -u - /tmp/nasc-golden-actual.$$ | sed 's/^/    /'
        rm -f /tmp/nasc-golden-actual.$$
    fi
done
echo "golden diagnostics: $passed passed, $failed failed"
[ "$failed" = 0 ]
