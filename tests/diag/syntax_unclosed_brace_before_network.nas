# The seq's closing brace is missing, so the next network starts inside it.
network first(input = [3, 32, 32]) {
    return in | seq {
        conv(16, k = 3, pad = 1)
        relu
}

network second(input = [3, 32, 32]) {
    return conv(in, 16, k = 1)
}
