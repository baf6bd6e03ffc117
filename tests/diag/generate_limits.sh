#!/bin/sh
# Writes the golden tests whose inputs are too long to write by hand:
# deep nesting of brackets and `not`, a long arithmetic chain, and chains
# of 100 blocks (accepted) and 300 blocks (over the call depth limit). Run from the repository root: sh tests/diag/generate_limits.sh
set -eu
dir=tests/diag

# Prints TEXT COUNT times, with no newline.
repeat_string() {  # TEXT COUNT
    awk -v s="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

{
    echo '# 10,000 nested parentheses around a channel count.'
    echo 'network deep(input = [3, 32, 32]) {'
    printf '    n = %s16%s\n' "$(repeat_string '(' 10000)" "$(repeat_string ')' 10000)"
    echo '    return conv(in, n, k = 1)'
    echo '}'
} > "$dir/limit_nested_parentheses.nas"

{
    echo '# 10,000 nested list brackets.'
    echo 'network deep(input = [3, 32, 32]) {'
    printf '    sizes = %s16%s\n' "$(repeat_string '[' 10000)" "$(repeat_string ']' 10000)"
    echo '    return conv(in, 16, k = 1)'
    echo '}'
} > "$dir/limit_nested_brackets.nas"

{
    echo '# A left-nested sum of 100,000 ones: 1 + 1 + ... + 1 - 99984 = 16.'
    echo 'network long_sum(input = [3, 32, 32]) {'
    printf '    n = 1%s - 99984\n' "$(repeat_string ' + 1' 99999)"
    echo '    return conv(in, n, k = 1)'
    echo '}'
} > "$dir/limit_long_sum.nas"

{
    echo '# 10,000 nested `not` (an even count, so the condition is true).'
    echo 'network negations(input = [3, 32, 32]) {'
    printf '    if %strue {\n' "$(repeat_string 'not ' 10000)"
    echo '        x = conv(in, 16, k = 1)'
    echo '    } else {'
    echo '        x = conv(in, 8, k = 1)'
    echo '    }'
    echo '    return x'
    echo '}'
} > "$dir/limit_nested_not.nas"

{
    echo '# A chain of 100 distinct blocks, each calling the next, with no'
    echo '# recursion; the last one adds a relu.'
    i=1
    while [ "$i" -lt 100 ]; do
        echo "block step_$i() { return step_$((i + 1))(in) }"
        i=$((i + 1))
    done
    echo 'block step_100() { return relu(in) }'
    echo 'network chain(input = [3, 8, 8]) { return step_1(in) }'
} > "$dir/limit_block_chain_100.nas"

{
    echo '# A chain of 300 distinct blocks, deeper than the limit of 256 nested calls.'
    i=1
    while [ "$i" -lt 300 ]; do
        echo "block step_$i() { return step_$((i + 1))(in) }"
        i=$((i + 1))
    done
    echo 'block step_300() { return relu(in) }'
    echo 'network chain(input = [3, 8, 8]) { return step_1(in) }'
} > "$dir/limit_block_chain_300.nas"
