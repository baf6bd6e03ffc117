# Each comparison walks a million elements; the step limit counts them.
network tiny(input = [3, 32, 32]) {
    a = range(1000000)
    b = range(1000000)
    repeat 1000 {
        same = a == b
    }
    return in
}
