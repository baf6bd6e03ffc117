network tiny(input = [3, 32, 32]) {
    return nn.Conv2d(3, 16, 3)
}
