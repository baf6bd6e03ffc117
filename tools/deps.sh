#!/bin/sh
# Makes sure the Debian packages that a make target needs are installed.
#
#   tools/deps.sh build   what building nasc needs
#   tools/deps.sh search  what searching and `nasc run` need on top: clang,
#                         which compiles every candidate, and python3 for
#                         the demo's input file
#   tools/deps.sh check   what `make check` and `make bench` need on top:
#                         Check, clang's sanitizer runtime, PyTorch as
#                         the oracle, and OpenBLAS, without which Debian's
#                         torch uses the slow reference BLAS
#
# Missing packages are installed with apt-get when running as root on a
# system that has it. Otherwise the script prints the exact command to run
# and fails.
set -eu

build="gcc make flex bison pkg-config libcjson-dev"
search="clang python3"
check="check libsubunit-dev libclang-rt-14-dev python3-torch python3-torchvision libopenblas0-pthread"

case "${1:-build}" in
    build) wanted="$build" ;;
    search) wanted="$build $search" ;;
    check) wanted="$build $search $check" ;;
    *) echo "usage: $0 build|search|check" >&2; exit 2 ;;
esac

missing=""
for pkg in $wanted; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing missing packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    exit 0
fi

echo "nasc needs these Debian packages, which are not installed:$missing" >&2
echo "Install them with:" >&2
echo "    sudo apt-get install$missing" >&2
exit 1
