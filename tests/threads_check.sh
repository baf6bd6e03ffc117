#!/bin/sh
# Checks the generated code of `nasc build --threads N`: for each example,
# builds it with 1, 2 and 3 threads, compiles each with clang under -std=c99
# -Wall -Wextra -Werror -pedantic (the 2-thread code with gcc too, at -O0 to
# save time), and runs it through a driver that calls NET_threads_start,
# NET_run twice, NET_threads_stop and NET_run again, which restarts the
# pool. Every run must give the output of the 1-thread build bit for bit,
# because each output element is computed by the same kernel code. The
# first example also runs built with ThreadSanitizer, and with
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   tests/threads_check.sh NASC [FILE.nas ...]
#
# The default examples cover dense, grouped and depthwise convs, fused
# residual adds and channel shuffles, concat copies, squeeze-excitation
# products, linear layers and the edge cases of tests/codegen/;
# tests/codegen_check.py --threads 2 compares more examples with PyTorch.
# Prints one line per example.
set -u
nasc=${1:?usage: tests/threads_check.sh NASC [FILE.nas ...]}
shift
files=${*:-examples/shufflenet_v2_x1_0.nas examples/shufflenet_v1.nas
    examples/mobilenet_v3_small.nas examples/resnext50_32x4d.nas tests/codegen/*.nas}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strict="-std=c99 -Wall -Wextra -Werror -pedantic"
passed=0
failed=0

fail() {
    echo "FAIL $1: $2"
    failed=$((failed + 1))
}

# The driver: NASC_THREADED selects the pool calls, which a 1-thread build lacks.
cat >"$work/driver.c" <<'DRIVER'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOIN(a, b) a##b
#define NAME(net, suffix) JOIN(net, suffix)

static void fill_input(float *input, long count)
{
    for (long i = 0; i < count; i++)
        input[i] = (float)((i * 7919 % 2001) - 1000) / 1000.0f;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s WEIGHTS OUTPUT\n", argv[0]);
        return 2;
    }
    int status = NAME(NET, _load_weights)(argv[1]);
    if (status != 0) {
        fprintf(stderr, "%s: %s\n", argv[1], NAME(NET, _strerror)(status));
        return 1;
    }
    float *input = malloc(sizeof(float) * INPUT_SIZE);
    float *first = malloc(sizeof(float) * OUTPUT_SIZE);
    float *again = malloc(sizeof(float) * OUTPUT_SIZE);
    void *workspace = malloc(WORKSPACE_BYTES > 0 ? WORKSPACE_BYTES : 1);
    if (!input || !first || !again || !workspace)
        return 1;
    fill_input(input, INPUT_SIZE);
#ifdef NASC_THREADED
    status = NAME(NET, _threads_start)();
    if (status != 0) {
        fprintf(stderr, "starting the thread pool failed: error %d\n", status);
        return 1;
    }
#endif
    NAME(NET, _run)(input, first, workspace);
    NAME(NET, _run)(input, again, workspace);
    if (memcmp(first, again, sizeof(float) * OUTPUT_SIZE) != 0) {
        fprintf(stderr, "the second run differs from the first\n");
        return 1;
    }
#ifdef NASC_THREADED
    NAME(NET, _threads_stop)();
    NAME(NET, _run)(input, again, workspace); /* restarts the pool */
    NAME(NET, _threads_stop)();
    if (memcmp(first, again, sizeof(float) * OUTPUT_SIZE) != 0) {
        fprintf(stderr, "the run after NET_threads_stop differs from the first\n");
        return 1;
    }
#endif
    FILE *out = fopen(argv[2], "wb");
    if (!out || fwrite(first, sizeof(float), OUTPUT_SIZE, out) != OUTPUT_SIZE || fclose(out) != 0)
        return 1;
    free(input);
    free(first);
    free(again);
    free(workspace);
    return 0;
}
DRIVER

# build_driver DIR NET THREADS COMPILER FLAGS...: compiles DIR/driver from the generated code.
build_driver() {
    dir=$1 net=$2 threads=$3 cc=$4
    shift 4
    upper=$(echo "$net" | tr 'a-z' 'A-Z')
    threaded=
    [ "$threads" -gt 1 ] && threaded="-DNASC_THREADED -pthread"
    # shellcheck disable=SC2086
    "$cc" $strict "$@" $threaded -DNET="$net" -DINPUT_SIZE="${upper}_INPUT_SIZE" \
        -DOUTPUT_SIZE="${upper}_OUTPUT_SIZE" -DWORKSPACE_BYTES="${upper}_WORKSPACE_BYTES" \
        -include "$dir/$net.h" -o "$dir/driver" "$work/driver.c" "$dir/$net.c" -lm \
        >"$dir/cc.log" 2>&1
}

first=1
for file in $files; do
    name=$(basename "$file" .nas)
    net=$(sed -n 's/^network \([A-Za-z0-9_]*\).*/\1/p' "$file" | head -1)
    ok=1
    for threads in 1 2 3; do
        dir="$work/$name.$threads"
        if ! "$nasc" build "$file" -o "$dir" --threads "$threads" >"$dir.log" 2>&1; then
            fail "$name" "nasc build --threads $threads failed: $(cat "$dir.log")"
            ok=0
            break
        fi
        target_flags=$(sed -n 's/^TARGET_FLAGS = //p' "$dir/Makefile")
        # shellcheck disable=SC2086
        if [ "$threads" = 2 ] && ! build_driver "$dir" "$net" "$threads" gcc -O0 $target_flags; then
            fail "$name" "gcc rejects the code of --threads $threads: $(head -5 "$dir/cc.log")"
            ok=0
        fi
        # shellcheck disable=SC2086
        if ! build_driver "$dir" "$net" "$threads" clang -O2 $target_flags; then
            fail "$name" "clang rejects the code of --threads $threads: $(head -5 "$dir/cc.log")"
            ok=0
        elif ! "$dir/driver" "$dir/$net.weights" "$dir/out" 2>"$dir/run.log"; then
            fail "$name" "--threads $threads: the run failed: $(head -5 "$dir/run.log")"
            ok=0
        elif [ "$threads" -gt 1 ] && ! cmp -s "$dir/out" "$work/$name.1/out"; then
            fail "$name" "--threads $threads: the output differs from the 1-thread output"
            ok=0
        fi
    done
    if [ "$ok" = 1 ] && [ "$first" = 1 ]; then
        dir="$work/$name.2"
        for sanitizer in thread address,undefined; do
            # shellcheck disable=SC2086
            if ! build_driver "$dir" "$net" 2 clang -O1 -g -fsanitize=$sanitizer \
                -fno-sanitize-recover=all $target_flags; then
                fail "$name" "clang -fsanitize=$sanitizer failed: $(head -5 "$dir/cc.log")"
                ok=0
            elif ! TSAN_OPTIONS=halt_on_error=1 "$dir/driver" "$dir/$net.weights" \
                "$dir/out.sanitized" 2>"$dir/run.log"; then
                fail "$name" "-fsanitize=$sanitizer reports: $(head -20 "$dir/run.log")"
                ok=0
            elif ! cmp -s "$dir/out.sanitized" "$work/$name.1/out"; then
                # Not a failure: -O1 may contract multiply-adds differently from -O2.
                echo "NOTE $name: the output under -fsanitize=$sanitizer differs from -O2 in rounding"
            fi
        done
    fi
    first=0
    if [ "$ok" = 1 ]; then
        passed=$((passed + 1))
        echo "PASS $name"
    fi
done
# A grouped conv splits over output rows like a dense one, rather than
# running on thread 0 alone because a slice of channels would keep one group.
printf 'network grouped(input = [64, 28, 28]) {\n    return conv(in, 64, k = 3, pad = 1, groups = 2)\n}\n' \
    >"$work/grouped.nas"
if ! "$nasc" build "$work/grouped.nas" -o "$work/grouped.2" --threads 2 >"$work/grouped.log" 2>&1; then
    fail grouped_rows "nasc build --threads 2 failed: $(cat "$work/grouped.log")"
elif ! grep -q 'case 1: /\* rows' "$work/grouped.2/grouped.c"; then
    fail grouped_rows "the grouped conv is not split over rows across 2 threads"
else
    passed=$((passed + 1))
    echo "PASS grouped_rows"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
