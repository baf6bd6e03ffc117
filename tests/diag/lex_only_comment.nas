# cmd: info
