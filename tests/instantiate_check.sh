#!/bin/sh
# Round trip of `nasc ir --format nas`: each network of examples/*.nas and
# tests/codegen/*.nas (search spaces, those with choice points, excepted) and
# of two networks below that use every attribute of every op, is written
# as a flat .nas file, which is built again. Both must give the same
# `nasc ir` dump, the same `nasc info --json` and the same output of
# `nasc build` (NET.c, NET.h, main.c, Makefile and NET.weights, apart from
# the banner line with the command).
# Writing the flat file again must give the same text.
#
#   tests/instantiate_check.sh NASC [FILE.nas ...]
#
# Four networks are checked at a time.
set -u
nasc=${1:?usage: tests/instantiate_check.sh NASC [FILE.nas ...]}
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Each check runs in the background and leaves its verdict in its folder.
fail() {
    echo "FAIL $1: $2" > "$work/$1/verdict"
}

# Every op, and every argument at a value other than its default.
cat > "$work/attributes.nas" <<'EOF'
network attributes(input = [8, 17, 13]) {
    a = conv(in, 12, k = [3, 5], stride = [2, 1], pad = [1, 2], dilation = [1, 2], bias = false) as ("stem.conv")
    b = bn(a, eps = 0.001) as ("stem.bn")
    c = bn(b, eps = 1.0000000000000002e-05) as ("stem.bn_odd_eps")
    d = conv(c, 12, k = 3, pad = 1, groups = 4) as grouped
    e = conv(d, 24, k = 1, groups = 12, bias = false) as depthwise_multiplier
    p1 = maxpool(e, k = 3, stride = 2, pad = 1, dilation = 2, ceil_mode = true)
    p2 = maxpool(e, k = [2, 3])
    p3 = avgpool(e, k = 3, stride = [2, 1], pad = 1, ceil_mode = true, count_include_pad = false)
    p4 = avgpool(e, k = 2, stride = 1)
    s1, s2, s3 = split(e, [4, 12, 8]) as parts
    s4, s5 = split(e, 2)
    single = split(e, [24]) as whole
    sh = shuffle(concat(s3, s1, s2), groups = 3)
    gate = sigmoid(global_avgpool(sh))
    scaled = mul(sh, gate)
    acts = hardswish(relu6(relu(scaled))) | hardsigmoid | identity
    z1 = zero(acts)
    z2 = zero(acts, stride = 2)
    d1 = dropout(acts)
    d2 = dropout(acts, p = 0.2)
    d3 = dropout(acts, p = 0.0)
    unused = conv(d1, 4, k = 1) as dead_end
    summed = add(d2, d3) + z1
    flat = flatten(global_avgpool(summed))
    fc = linear(flat, 10, bias = false) as ("head.fc")
    fc2 = linear(flat, 3) as ("head.fc2")
    return fc, fc2, z2, p1, p2, p3, p4, s4, s5, single[0], fc
}

block unit(out, stride = 1) {
    x = in | seq {
        conv(out, k = 3, stride = stride, pad = 1, bias = false)
        bn
        relu
    }
    return x + (in | conv(out, k = 1, stride = stride) as block)
}

# Nested scopes, a keyword as a name, and the input returned as an output.
network scopes(input = [3, 16, 16]) {
    y = in | seq as features {
        unit(8, stride = 2)
        unit(8)
    }
    repeat i in range(2) {
        y = y | unit(8) as ("stage" + str(i))
    }
    return y, in
}
EOF

# Prints the networks that FILE declares.
networks() {
    sed -n 's/^network \([A-Za-z0-9_]*\).*/\1/p' "$1"
}

# Builds FILE's NETWORK into DIR and drops the banner line with the command
# (" *   nasc build FILE ...") from the text files.
build() {  # FILE NETWORK DIR
    "$nasc" build "$1" --network "$2" -o "$3" >/dev/null 2>"$3.log" || return 1
    for f in "$3"/*.c "$3"/*.h "$3"/Makefile; do
        grep -v '^ \*   nasc build ' "$f" > "$f.kept"
        mv "$f.kept" "$f"
    done
}

check_one() {  # FILE NETWORK
    file=$1 net=$2
    id=$(basename "$file" .nas).$net
    dir=$work/$id
    mkdir -p "$dir"
    if ! "$nasc" ir "$file" --network "$net" --format nas > "$dir/flat.nas" 2>"$dir/ir.log"; then
        fail "$id" "nasc ir --format nas failed: $(cat "$dir/ir.log")"
        return
    fi
    if ! "$nasc" info "$file" --network "$net" --json > "$dir/original.json" 2>/dev/null ||
       ! "$nasc" info "$dir/flat.nas" --network "$net" --json > "$dir/flat.json" 2>"$dir/info.log"; then
        fail "$id" "nasc info of the flat file failed: $(head -5 "$dir/info.log")"
        return
    fi
    if ! cmp -s "$dir/original.json" "$dir/flat.json"; then
        fail "$id" "nasc info --json differs: $(diff "$dir/original.json" "$dir/flat.json" | head -c 600)"
        return
    fi
    # The IR dump shows every attribute, even those that change neither
    # the cost nor the generated C (a dropout's p).
    "$nasc" ir "$file" --network "$net" > "$dir/original.ir" 2>/dev/null
    "$nasc" ir "$dir/flat.nas" --network "$net" > "$dir/flat.ir" 2>/dev/null
    if ! cmp -s "$dir/original.ir" "$dir/flat.ir"; then
        fail "$id" "nasc ir differs: $(diff "$dir/original.ir" "$dir/flat.ir" | head -c 600)"
        return
    fi
    if ! build "$file" "$net" "$dir/original" || ! build "$dir/flat.nas" "$net" "$dir/flat"; then
        fail "$id" "nasc build failed: $(cat "$dir/original.log" "$dir/flat.log" 2>/dev/null | head -5)"
        return
    fi
    for f in "$dir/original"/*; do
        if ! cmp -s "$f" "$dir/flat/$(basename "$f")"; then
            fail "$id" "nasc build writes a different $(basename "$f"): $(diff "$f" "$dir/flat/$(basename "$f")" | head -c 600)"
            return
        fi
    done
    "$nasc" ir "$dir/flat.nas" --network "$net" --format nas > "$dir/again.nas" 2>/dev/null
    if [ "$(grep -v '^# Written by' "$dir/flat.nas")" != "$(grep -v '^# Written by' "$dir/again.nas")" ]; then
        fail "$id" "writing the flat file again gives a different text"
        return
    fi
    echo pass > "$dir/verdict"
}

files=${*:-$(ls examples/*.nas tests/codegen/*.nas) $work/attributes.nas}
running=0
for file in $files; do
    if grep -Eq '(^|[^A-Za-z0-9_])(choice|pick)[[:space:]]*\(' "$file"; then
        continue
    fi
    for net in $(networks "$file"); do
        check_one "$file" "$net" &
        running=$((running + 1))
        if [ "$running" -ge 4 ]; then
            wait
            running=0
        fi
    done
done
wait

passed=0
failed=0
for verdict in "$work"/*/verdict; do
    [ -f "$verdict" ] || continue
    if [ "$(cat "$verdict")" = pass ]; then
        passed=$((passed + 1))
    else
        cat "$verdict"
        failed=$((failed + 1))
    fi
done
echo "instantiate round trip: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
