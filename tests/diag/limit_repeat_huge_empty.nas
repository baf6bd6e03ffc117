# A repeat count of 10^12 with a body not written yet: evaluation
# must stop at the step limit, quickly.
network slow(input = [3, 8, 8]) {
    repeat 1000000000000 {
    }
    return relu(in)
}
