#!/bin/sh
# End-to-end tests of `nasc search` and `nasc report` on a space of 36
# small candidates written below: the same seed proposes the same
# candidates; a search killed with SIGKILL and resumed ends with the same
# log as an uninterrupted one (random and evolution, ranked by params,
# which does not depend on timing); crashing and hanging candidates (the
# NASC_SEARCH_TEST_CRASH and NASC_SEARCH_TEST_HANG hooks) are logged and
# the search goes on; resuming with other settings is refused; and the
# report of a fixed log.
#
#   tests/search_check.sh NASC
set -u
nasc=${1:?usage: tests/search_check.sh NASC}
case $nasc in /*) ;; *) nasc=$(pwd)/$nasc ;; esac
tmp=$(mktemp -d /tmp/nasc-search-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export NASC_CACHE="$tmp/cache"
failed=0

fail() {
    echo "FAIL $1"
    failed=$((failed + 1))
}

pass() {
    echo "ok   $1"
}

cat > space.nas <<'EOF'
network tiny(input = [3, 8, 8]) {
    constraint "params <= 1M"
    objective "minimize params"
    k = choice(1, 3, 5) as kernel
    w = choice(4, 8, 16) as width
    y = conv(in, w, k = k, pad = k // 2) | choice(relu, relu6) as act
    y = y | choice(skip = identity, pool = avgpool(3, stride = 1, pad = 1)) as op
    return y | global_avgpool | flatten | linear(10)
}
EOF

# The genotypes of a search folder's log, in log order.
genotypes() {
    sed 's/.*"genotype":"\([^"]*\)".*/\1/' "$1/log.jsonl"
}

fast="--min-time 0.05 --warmup 1 --timeout 30"

# ---- determinism by seed ----
for strategy in random evolution local exhaustive; do
    for run in a b; do
        "$nasc" search space.nas --out "det_${strategy}_$run" --strategy "$strategy" \
            --budget 10 --seed 7 --population 4 --sample 2 --no-latency \
            >/dev/null 2>"det_${strategy}_$run.err" || fail "search $strategy exits 0"
    done
    if [ "$(genotypes "det_${strategy}_a")" = "$(genotypes "det_${strategy}_b")" ] &&
       [ "$(genotypes "det_${strategy}_a" | wc -l)" -eq 10 ]; then
        pass "$strategy: same seed, same 10 genotypes"
    else
        fail "$strategy: same seed, same 10 genotypes"
    fi
done

# ---- kill and resume ----
# Starts a search in the background, kills it with SIGKILL once the log
# has 4 lines, resumes it, and compares the log with an uninterrupted run.
kill_and_resume() {
    strategy=$1
    args="space.nas --strategy $strategy --budget 12 --seed 11 --population 5 --sample 3 $fast"
    "$nasc" search $args --out "killed_$strategy" >/dev/null 2>&1 &
    pid=$!
    tries=0
    while [ "$(cat "killed_$strategy/log.jsonl" 2>/dev/null | wc -l)" -lt 4 ] && [ $tries -lt 1200 ]; do
        sleep 0.05
        tries=$((tries + 1))
    done
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    lines=$(wc -l < "killed_$strategy/log.jsonl")
    if [ "$lines" -ge 12 ]; then
        fail "$strategy: the search ended before the kill ($lines lines)"
        return
    fi
    "$nasc" search $args --out "killed_$strategy" --resume >/dev/null 2>"resume_$strategy.err" ||
        { fail "$strategy: resume exits 0"; cat "resume_$strategy.err"; return; }
    "$nasc" search $args --out "whole_$strategy" >/dev/null 2>&1 ||
        { fail "$strategy: uninterrupted search exits 0"; return; }
    if [ "$(genotypes "killed_$strategy")" = "$(genotypes "whole_$strategy")" ]; then
        pass "$strategy: killed after $lines lines and resumed, same log as uninterrupted"
    else
        fail "$strategy: killed after $lines lines and resumed, same log as uninterrupted"
        genotypes "killed_$strategy" > killed.txt
        genotypes "whole_$strategy" | diff -u killed.txt - | sed 's/^/    /'
    fi
    ids=$(sed 's/^{"id":\([0-9]*\),.*/\1/' "killed_$strategy/log.jsonl" | tr '\n' ' ')
    [ "$ids" = "1 2 3 4 5 6 7 8 9 10 11 12 " ] && pass "$strategy: ids 1 to 12 once each" ||
        fail "$strategy: ids 1 to 12 once each (got $ids)"
}
kill_and_resume random
kill_and_resume evolution

# ---- resuming with other settings ----
"$nasc" search space.nas --out killed_random --resume --strategy random --budget 12 --seed 12 \
    $fast >/dev/null 2>other.err
status=$?
if [ $status = 1 ] && grep -q "it was started with seed 11, and this command gives 12" other.err; then
    pass "resume with another seed is refused"
else
    fail "resume with another seed is refused (exit $status)"
    sed 's/^/    /' other.err
fi
"$nasc" search space.nas --out killed_random --budget 12 $fast >/dev/null 2>again.err
status=$?
if [ $status = 1 ] && grep -q "already contains a search; add --resume" again.err; then
    pass "a used folder without --resume is refused"
else
    fail "a used folder without --resume is refused (exit $status)"
fi

# ---- crashing and hanging candidates ----
NASC_SEARCH_TEST_CRASH="width=8," NASC_SEARCH_TEST_HANG="width=16," \
    "$nasc" search space.nas --out failures --strategy exhaustive --budget 12 \
    --min-time 0.01 --warmup 1 --timeout 1 >/dev/null 2>failures.err
status=$?
crashes=$(grep -c '"status":"crash"' failures/log.jsonl)
timeouts=$(grep -c '"status":"timeout"' failures/log.jsonl)
oks=$(grep -c '"status":"ok"' failures/log.jsonl)
if [ $status = 0 ] && [ "$crashes" = 4 ] && [ "$timeouts" = 4 ] && [ "$oks" = 4 ]; then
    pass "crash and hang hooks: 4 crash, 4 timeout, 4 ok"
else
    fail "crash and hang hooks: 4 crash, 4 timeout, 4 ok (exit $status: $crashes crash, $timeouts timeout, $oks ok)"
    sed 's/^/    /' failures.err
fi
if grep '"status":"crash"' failures/log.jsonl | grep -qv 'width=8,'; then
    fail "only width=8 candidates crash"
else
    pass "only width=8 candidates crash"
fi

# ---- report of a fixed log ----
mkdir report
cat > report/search.json <<'EOF'
{"nasc": "0.1.0", "file": "space.nas", "network": null, "source_hash": "0000000000000001",
 "set": [], "strategy": "random", "seed": "3", "budget": 6, "time_budget_s": 0,
 "population": 20, "sample": 5, "batch": 16, "latency": true, "score_cmd": null,
 "objectives": ["minimize params"], "constraints": ["params <= 200", "latency <= 1 ms"]}
EOF
cat > report/log.jsonl <<'EOF'
{"id":1,"genotype":"kernel=1,width=4","status":"ok","params":66,"macs":808,"peak_activation_bytes":2048,"latency_ms":0.5,"latency_iqr_ms":0.01,"scores":{}}
{"id":2,"genotype":"kernel=3,width=4","status":"ok","params":162,"macs":6952,"peak_activation_bytes":2048,"latency_ms":0.25,"latency_iqr_ms":0.01,"scores":{}}
{"id":3,"genotype":"kernel=3,width=16","status":"pruned","violates":"params <= 200","params":634,"macs":27808,"peak_activation_bytes":8192,"latency_ms":null,"scores":{}}
{"id":4,"genotype":"kernel=1,width=8","status":"crash","error":"the timing program was killed by signal 11","params":122,"macs":1616,"peak_activation_bytes":4096,"latency_ms":null,"scores":{}}
{"id":5,"genotype":"kernel=5,width=4","status":"ok","violates":"latency <= 1 ms","params":170,"macs":9000,"peak_activation_bytes":2048,"latency_ms":2.0,"scores":{}}
{"id":6,"genotype":"kernel=1,width=4,x","status":"duplicate","same_as":1,"params":66,"macs":808,"peak_activation_bytes":2048,"latency_ms":0.5,"scores":{}}
{"id":7,"genotype":"kernel=5,
EOF
printf '%s' '{"id":7,"genotype":"cut short' >> report/log.jsonl
cat > report.expected <<'EOF'
search of space.nas: strategy random, seed 3, budget 6
objectives: minimize params
constraints: params <= 200, latency <= 1 ms
6 candidates: ok 3 pruned 1 duplicate 1 crash 1 (1 ok but over the latency constraint)

failures:
  pruned            1  e.g. #3 kernel=3,width=16: params <= 200
  crash             1  e.g. #4 kernel=1,width=8: the timing program was killed by signal 11

top 2 by minimize params:
   id  genotype               params   latency_ms
    1  kernel=1,width=4           66       0.5000
    2  kernel=3,width=4          162       0.2500

Pareto front (2 candidates):
   id  genotype               params   latency_ms
    1  kernel=1,width=4           66       0.5000
    2  kernel=3,width=4          162       0.2500
EOF
"$nasc" report report > report.actual 2>report.err
status=$?
if [ $status = 1 ] && grep -q "report/log.jsonl:7: invalid log line" report.err; then
    pass "report rejects an invalid complete line"
else
    fail "report rejects an invalid complete line (exit $status)"
fi
# Without the broken complete line 7, only the cut-short last line remains.
sed -i '7d' report/log.jsonl
"$nasc" report report > report.actual 2>report.err
status=$?
if [ $status = 0 ] && diff -u report.expected report.actual > report.diff; then
    pass "report of a fixed log"
else
    fail "report of a fixed log (exit $status)"
    sed 's/^/    /' report.diff report.err
fi

echo "search tests: $failed failed"
[ "$failed" = 0 ]
