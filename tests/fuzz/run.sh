#!/usr/bin/env bash
# run.sh [SECONDS] [TARGET...] - build the libFuzzer targets and run each for
# SECONDS (default 60).
#
# Targets: mime/fuzz_mime (the MIME parser) and mime/fuzz_codec (encoders
# against decoders); both by default. Each is built with clang,
# -fsanitize=fuzzer,address,undefined, from tests/fuzz/<dir>/<target>.c,
# the program's sources without its main.c, and the code it shares in
# lib/<dir>_*.c (the parser: lib/mime_*.c). Seeds come from the corpus in
# git (tests/fuzz/<dir>/corpus*/); what the fuzzer finds goes to
# build/fuzz/corpus/<target>/, crashes to build/fuzz/artifacts/.
#
# Exit status: 0 if no target found anything, 1 if one did (the last lines
# name the file that reproduces it), 69 if clang or libFuzzer is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(mime/fuzz_mime mime/fuzz_codec)

CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "fuzz: $CLANG not found; install clang (and libclang-rt-dev for libFuzzer)" >&2
  exit 69
fi

out=build/fuzz
mkdir -p "$out/bin" "$out/artifacts"

# build TARGET - compile tests/fuzz/TARGET.c with the sources of the tool the
# target's directory is named after (tools/mime for mime/...) and its shared
# sources in lib/ (lib/mime_*.c).
build() {
  local target=$1 dir=${1%%/*} name=${1##*/} src
  local sources=()
  for src in tools/"$dir"/*.c; do
    [ "$(basename "$src")" = main.c ] || sources+=("$src")
  done
  for src in lib/"$dir"_*.c; do
    [ -e "$src" ] && sources+=("$src")
  done
  echo "fuzz: building $name"
  if ! "$CLANG" -std=c17 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra \
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -Itools/"$dir" -Ilib -o "$out/bin/$name" \
      "tests/fuzz/$target.c" "${sources[@]}"; then
    echo "fuzz: cannot build $name (is libFuzzer installed? libclang-rt-dev)" >&2
    exit 69
  fi
}

status=0
for target in "${targets[@]}"; do
  build "$target"
  dir=${target%%/*} name=${target##*/}
  corpus=$out/corpus/$name
  mkdir -p "$corpus"
  # Seeds: corpus/ for fuzz_mime, corpus_codec/ for fuzz_codec.
  seeds=tests/fuzz/$dir/corpus
  [ "$name" = fuzz_codec ] && seeds=tests/fuzz/$dir/corpus_codec
  dict=()
  [ -f "tests/fuzz/$dir/$dir.dict" ] && dict=(-dict="tests/fuzz/$dir/$dir.dict")
  echo "fuzz: running $name for $seconds s"
  if ! "$out/bin/$name" "$corpus" "$seeds" "${dict[@]}" \
      -max_total_time="$seconds" -max_len=16384 -timeout=10 \
      -artifact_prefix="$out/artifacts/$name-" -print_final_stats=1 \
      2> "$out/$name.log"; then
    status=1
    tail -n 30 "$out/$name.log" >&2
    echo "fuzz: $name found a problem; reproduce with: $out/bin/$name <artifact>" >&2
  fi
  grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
    "$out/$name.log" | sed "s/^/fuzz: $name: /" || true
done
exit $status
