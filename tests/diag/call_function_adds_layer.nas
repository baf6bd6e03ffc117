# Functions compute values; a layer belongs in a block.
fn head(x, classes) {
    return linear(flatten(x), classes)
}

network tiny(input = [3, 32, 32]) {
    return head(global_avgpool(in), 10)
}
