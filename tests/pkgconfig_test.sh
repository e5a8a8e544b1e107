#!/bin/sh
# A program written only against slotbook.h, built with the flags that
# `pkg-config slotbook` gives (the uninstalled .pc of this build), runs.
# Arguments: the C compiler, the build root, the source root.
set -eu
cc=$1 build=$2 src=$3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=$(PKG_CONFIG_PATH="$build/meson-uninstalled" pkg-config --cflags --libs slotbook)
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -o "$out/quick_tour" "$src/examples/quick_tour.c" $flags -lpthread
LD_LIBRARY_PATH="$build" "$out/quick_tour"
