#!/bin/sh
# -O2 against -O3 for nasc's generated C: the compile time of each
# example network (NET.c around runtime/bench.c, with the host target's
# flags from the generated Makefile) and the median time of one inference.
# The two builds are timed in alternation, ROUNDS times, so that drift of
# a shared machine hits both; the figure is the median of the rounds'
# medians. The searcher compiles every candidate, so a level that saves
# little run time at a large compile cost is not worth it. A third build
# with gcc at -O2 times what a user gets from the generated Makefile's
# default compiler on Debian.
#
#   bench/opt_levels.sh NASC [ROUNDS [NAME ...]]
#
# Prints a Markdown table for docs/benchmarks.md.
set -eu
nasc=${1:?usage: bench/opt_levels.sh NASC [ROUNDS [NAME ...]]}
rounds=${2:-3}
shift
[ $# -gt 0 ] && shift
names=${*:-mobilenet_v2 mobilenet_v3_small shufflenet_v2_x1_0 mnasnet1_0 resnet18 resnet50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

# median of the numbers on standard input
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| network | -O2 compile s | -O3 compile s | -O2 ms | -O3 ms | -O3 / -O2 time | gcc -O2 ms | gcc / clang time |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for name in $names; do
    dir="$work/$name"
    "$nasc" build "examples/$name.nas" -o "$dir" >/dev/null
    net=$(sed -n 's/^\([A-Za-z0-9_]*\): main\.c.*/\1/p' "$dir/Makefile")
    NET=$(echo "$net" | tr 'a-z' 'A-Z')
    flags="$(sed -n 's/^CFLAGS ?= -O2 //p' "$dir/Makefile") $(sed -n 's/^TARGET_FLAGS = //p' "$dir/Makefile")"
    for build in clang-O2 clang-O3 gcc-O2; do
        compiler=${build%-*}
        level=${build#*-}
        start=$(now)
        # shellcheck disable=SC2086 # the Makefile's flags are separate words
        "$compiler" "-$level" $flags -DNASC_NET_RUN="${net}_run" \
            -DNASC_NET_LOAD_WEIGHTS="${net}_load_weights" -DNASC_NET_STRERROR="${net}_strerror" \
            -DNASC_NET_INPUT_SIZE="${NET}_INPUT_SIZE" -DNASC_NET_OUTPUT_SIZE="${NET}_OUTPUT_SIZE" \
            -DNASC_NET_WORKSPACE_BYTES="${NET}_WORKSPACE_BYTES" -include "$dir/$net.h" \
            -o "$dir/bench-$build" runtime/bench.c "$dir/$net.c" -lm
        echo "$(now) - $start" | bc >"$dir/compile-$build"
    done
    for round in $(seq "$rounds"); do
        for build in clang-O2 clang-O3 gcc-O2; do
            "$dir/bench-$build" "$dir/$net.weights" 1 3 |
                sed -n 's/.*"median_ms": \([0-9.]*\).*/\1/p' >>"$dir/ms-$build"
        done
    done
    o2=$(median <"$dir/ms-clang-O2")
    o3=$(median <"$dir/ms-clang-O3")
    gcc=$(median <"$dir/ms-gcc-O2")
    printf '| %s | %.2f | %.2f | %.2f | %.2f | %.3f | %.2f | %.3f |\n' "$name" \
        "$(cat "$dir/compile-clang-O2")" "$(cat "$dir/compile-clang-O3")" "$o2" "$o3" \
        "$(echo "$o3 / $o2" | bc -l)" "$gcc" "$(echo "$gcc / $o2" | bc -l)"
done
