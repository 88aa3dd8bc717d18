#!/bin/sh
# Installs the SDK from a build tree into a temporary prefix, copies the out-of-tree
# example to a clean folder, builds it with find_package(lfhost-sdk) and with the
# pkg-config Makefile, and has `lfhost plugins check` accept both .so files.
#
# usage: out_of_tree.sh CMAKE BUILD_DIR EXAMPLE_DIR LFHOST CC [EXTRA_CFLAGS [EXTRA_LDFLAGS]]
set -eu
cmake_exe=$1 build_dir=$2 example_dir=$3 lfhost=$4 cc=$5
extra_cflags=${6:-} extra_ldflags=${7:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lfh-sdk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { printf '== %s\n' "$*"; }

step "install the SDK into $prefix"
"$cmake_exe" --install "$build_dir" --prefix "$prefix" --component sdk
test -f "$prefix/include/lf/lf.h"
test -f "$prefix/lib/cmake/lfhost-sdk/lfhost-sdk-config.cmake"
pcdir=$(dirname "$(find "$prefix" -name lfhost-sdk.pc | head -n 1)")
test -f "$pcdir/lfhost-sdk.pc"

step "build with find_package(lfhost-sdk)"
cp -R "$example_dir" "$tmp/cm"
rm -rf "$tmp/cm/build" "$tmp/cm"/*.so
"$cmake_exe" -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS="$extra_cflags" -DCMAKE_MODULE_LINKER_FLAGS="$extra_ldflags"
"$cmake_exe" --build "$tmp/cm/build"
so_cmake=$tmp/cm/build/example_upper.so
test -f "$so_cmake"

step "build with pkg-config"
cp -R "$example_dir" "$tmp/pc"
rm -rf "$tmp/pc/build" "$tmp/pc"/*.so
PKG_CONFIG_PATH=$pcdir make -C "$tmp/pc" CC="$cc" \
  EXTRA_CFLAGS="$extra_cflags" EXTRA_LDFLAGS="$extra_ldflags"
so_pc=$tmp/pc/example_upper.so
test -f "$so_pc"

status=0
for so in "$so_cmake" "$so_pc"; do
  step "exports of $so"
  # Only the entry may be exported (the version script at work).
  exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^$' | sort | tr '\n' ' ')
  echo "$exported"
  if [ "$exported" != "lf_plugin_entry " ]; then
    echo "FAIL: $so exports more than lf_plugin_entry"; status=1
  fi
  step "lfhost plugins check $so"
  if out=$("$lfhost" plugins check "$so" 2>&1); then rc=0; else rc=$?; fi
  printf '%s\n' "$out"
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: lfhost plugins check exited $rc"; status=1
  elif ! printf '%s\n' "$out" | grep -q 'upper_case'; then
    echo "FAIL: stage 'upper_case' not in the output"; status=1
  fi
done
exit $status
