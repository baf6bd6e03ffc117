#!/bin/sh
# Compiles the generated C of every example, and of the edge cases in
# tests/codegen/, with gcc and clang under -std=c99 -Wall -Wextra -Werror
# -pedantic -O2 and the target's flags, then runs it once built with
# AddressSanitizer and UndefinedBehaviorSanitizer on a random input. Also checks the
# --embed-weights variant of primitives.nas and of a network without weights,
# and one random candidate (nasc space --sample) of each search space.
#
#   tests/generated_c_check.sh NASC [FILE.nas ...]
#
# Examples run two at a time; each line of output is one example.
set -u
nasc=${1:?usage: tests/generated_c_check.sh NASC [NAME ...]}
shift
if [ "${1:-}" != --one ]; then
    names=${*:-$(ls examples/*.nas tests/codegen/*.nas | xargs grep -LE '(choice|pick)\(')}
    spaces=$(ls examples/*.nas | xargs grep -lE '(choice|pick)\(')
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
strict="-std=c99 -Wall -Wextra -Werror -pedantic"
passed=0
failed=0

fail() {
    echo "FAIL $1: $2"
    failed=$((failed + 1))
}

check_one() {  # FILE DIR [--embed-weights | --genotype G]
    file=$1 dir=$2
    shift 2
    embed=
    [ "${1:-}" = --embed-weights ] && embed=$1
    name=$(basename "$file" .nas)
    [ "${1:-}" = --genotype ] && name="$name (a candidate)"
    net=$(sed -n 's/^network \([A-Za-z0-9_]*\).*/\1/p' "$file" | head -1)
    if ! "$nasc" build "$file" -o "$dir" "$@" >"$dir.log" 2>&1; then
        fail "$name$embed" "nasc build failed: $(cat "$dir.log")"
        return
    fi
    # -O2 and the target's flags, as the generated Makefile compiles. gcc 12
    # reported no -Wmaybe-uninitialized at -O1 where -O2 reported one.
    target_flags=$(sed -n 's/^TARGET_FLAGS =//p' "$dir/Makefile")
    for cc in gcc clang; do
        if ! $cc $strict -O2 $target_flags -c "$dir/$net.c" -o "$dir/$net.$cc.o" 2>"$dir.$cc.log" ||
           ! $cc $strict -O2 $target_flags -c "$dir/main.c" -o "$dir/main.$cc.o" 2>>"$dir.$cc.log"; then
            fail "$name$embed" "$cc: $(head -5 "$dir.$cc.log")"
            return
        fi
    done
    if ! clang -std=c99 -O2 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
            "$dir/main.c" "$dir/$net.c" -o "$dir/$net.asan" -lm 2>"$dir.asan.log"; then
        fail "$name$embed" "sanitizer build: $(head -5 "$dir.asan.log")"
        return
    fi
    [ -n "$embed" ] && shift
    size=$("$nasc" info "$file" "$@" --json | python3 -c \
        'import json, sys; c, h, w = json.load(sys.stdin)["input"]; print(c * h * w)')
    python3 -c "import random, struct, sys
random.seed(1)
sys.stdout.buffer.write(struct.pack('<%df' % $size, *[random.gauss(0, 1) for _ in range($size)]))" \
        >"$dir/input.bin"
    if [ -z "$embed" ]; then
        run="$dir/$net.asan $dir/$net.weights $dir/input.bin $dir/output.bin"
    else
        run="$dir/$net.asan $dir/input.bin $dir/output.bin"
    fi
    if ! $run >"$dir.run.log" 2>&1; then
        fail "$name$embed" "the sanitizer build failed to run: $(head -20 "$dir.run.log")"
        return
    fi
    echo "PASS $name$embed: gcc and clang -Werror, ASan and UBSan run clean"
    passed=$((passed + 1))
}

# Internal: one example, called back through xargs below.
if [ "${1:-}" = --one ]; then
    shift
    check_one "$@"
    exit 0
fi

results="$work/results"
{
    for file in $names; do
        printf '%s %s\n' "$file" "$work/$(basename "$file" .nas)"
    done
    printf 'examples/primitives.nas %s --embed-weights\n' "$work/primitives-embedded"
    printf 'tests/codegen/no_weights.nas %s --embed-weights\n' "$work/no-weights-embedded"
    if [ $# -eq 0 ]; then
        for file in $spaces; do
            genotype=$("$nasc" space "$file" --sample 1 --seed 1 | tail -1)
            printf '%s %s --genotype %s\n' "$file" "$work/$(basename "$file" .nas)" "$genotype"
        done
    fi
} | xargs -P 2 -L 1 sh "$0" "$nasc" --one | tee "$results"
passed=$(grep -c '^PASS' "$results")
failed=$(grep -c '^FAIL' "$results")
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
