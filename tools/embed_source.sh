#!/bin/sh
# Writes a C file that defines `const char NAME[]` holding the text of
# FILE, so nasc carries the runtime's source without files to install.
#
#   tools/embed_source.sh NAME FILE > OUT.c
set -eu
name=$1
file=$2
printf '/* Generated from %s by tools/embed_source.sh. */\n' "$file"
printf 'const char %s[] =\n' "$name"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/' "$file"
printf '    ;\n'
