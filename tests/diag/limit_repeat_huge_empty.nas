# A typo added four zeros to the count, and the body does nothing yet.
network slow(input = [3, 8, 8]) {
    repeat 1000000000000 {
    }
    return relu(in)
}
