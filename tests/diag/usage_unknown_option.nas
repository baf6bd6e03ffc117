# cmd: info --jsn
network tiny(input = [3, 8, 8]) {
    return relu(in)
}
