# cmd: check
# input: tests/diag/selfimport/resnet.nas
