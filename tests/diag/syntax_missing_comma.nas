network n(input=[3,4,4]) {
  x = conv(in, 8, k = 3 pad = 0)
  y = [1, 2
  return x
}
