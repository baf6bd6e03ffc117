# conv étage: a Latin-1 comment saved from an old editor
network tiny(input = [3, 32, 32]) {
    x = conv(in, 16, k = 3)
    return x
}
