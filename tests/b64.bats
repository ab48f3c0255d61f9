#!/usr/bin/env bats
# b64.bats - b64 against RFC 4648 and, byte for byte, against coreutils
# base64 (the reference for every output and exit status).

bats_require_minimum_version 1.5.0
load lib/helpers

setup() {
  B64=$CARTERO_BIN/b64
  cd "$BATS_TEST_TMPDIR"
}

# The loops below start thousands of processes; LeakSanitizer's exit-time
# scan would double their cost. The other tests keep it on.
fast_b64() {
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$B64" "$@"
}

# same_as_coreutils ARGS... -- INPUT_FILE: b64 ARGS and base64 ARGS give the
# same standard output and exit status for INPUT_FILE; b64 prints nothing on
# stderr when it succeeds.
same_as_coreutils() {
  local args=() input want_rc got_rc
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  input=$2
  want_rc=0; base64 "${args[@]}" <"$input" >want.out 2>/dev/null || want_rc=$?
  got_rc=0; fast_b64 "${args[@]}" <"$input" >got.out 2>got.err || got_rc=$?
  if [ "$want_rc" != "$got_rc" ] || ! cmp -s want.out got.out; then
    echo "b64 ${args[*]} differs from base64 (status $got_rc, want $want_rc) for:" >&2
    od -c "$input" | head -n 20 >&2
    return 1
  fi
  if [ "$got_rc" = 0 ] && [ -s got.err ]; then
    echo "b64 ${args[*]} succeeded but wrote to stderr:" >&2
    cat got.err >&2
    return 1
  fi
}

# --- RFC 4648 section 10 test vectors ----------------------------------------

@test "encodes the RFC 4648 section 10 test vectors" {
  local pair
  for pair in ":" "f:Zg==" "fo:Zm8=" "foo:Zm9v" "foob:Zm9vYg==" \
              "fooba:Zm9vYmE=" "foobar:Zm9vYmFy"; do
    run "$B64" -w 0 < <(printf '%s' "${pair%%:*}")
    assert_success
    assert_output "${pair#*:}"
  done
}

@test "decodes the RFC 4648 section 10 test vectors" {
  local pair
  for pair in ":" "f:Zg==" "fo:Zm8=" "foo:Zm9v" "foob:Zm9vYg==" \
              "fooba:Zm9vYmE=" "foobar:Zm9vYmFy"; do
    run "$B64" -d < <(printf '%s\n' "${pair#*:}")
    assert_success
    assert_output "${pair%%:*}"
  done
}

# --- byte for byte as coreutils -----------------------------------------------

@test "random inputs of every length from 0 to 600 encode as coreutils does" {
  local n
  head -c 600 /dev/urandom >random
  for n in $(seq 0 600); do
    head -c "$n" random >in
    base64 in >want.b64
    fast_b64 in >got.b64
    cmp want.b64 got.b64 || { echo "encoding differs for length $n" >&2; return 1; }
  done
}

@test "random inputs of many lengths decode back, one by one and as one stream" {
  local n
  head -c 300000 /dev/urandom >random
  : >all.bin
  : >all.b64
  for n in $(seq 0 100) 299999 300000; do
    head -c "$n" random >in
    base64 in >in.b64
    fast_b64 -d in.b64 >got.bin
    cmp in got.bin || { echo "decoding differs for length $n" >&2; return 1; }
  done
  # 800 encodings one after the other: padding in the middle of a stream
  for n in $(seq 0 799); do
    head -c "$n" random | tee -a all.bin | base64 -w $((n % 100)) >>all.b64
  done
  fast_b64 -d all.b64 | cmp - all.bin
}

@test "-w wraps lines as coreutils does, for every width from 0 to 80" {
  local w
  head -c 400 /dev/urandom >in
  for w in $(seq 0 80) 1000; do
    same_as_coreutils -w "$w" -- in
  done
}

@test "-w with an odd length leaves a short last line ending in a newline" {
  run "$B64" -w 3 < <(printf 'Man')
  assert_success
  assert_output $'TWF\nu'
  "$B64" -w 3 < <(printf 'Man') | od -c | grep -q 'u  \\n'
}

@test "default wrap is 76 columns, and the last line ends with a newline" {
  head -c 100 /dev/zero >in
  "$B64" in >out
  [ "$(head -n 1 out | tr -d '\n' | wc -c)" -eq 76 ]
  [ "$(wc -l <out)" -eq 2 ]
  [ "$(tail -c 1 out | od -An -c | tr -d ' ')" = '\n' ]
  cmp out <(base64 in)
}

@test "a line exactly 76 characters long gets one newline, not two" {
  head -c 57 /dev/zero >in
  "$B64" in >out
  [ "$(wc -c <out)" -eq 77 ]
  cmp out <(base64 in)
}

@test "-w 0 writes one line with no newline" {
  head -c 1000 /dev/urandom >in
  "$B64" -w 0 in >out
  [ "$(wc -l <out)" -eq 0 ]
  [ "$(wc -c <out)" -eq 1336 ]
  cmp out <(base64 -w 0 in)
}

@test "empty input gives empty output, without a newline, both ways" {
  "$B64" </dev/null >out
  [ ! -s out ]
  "$B64" -w 0 </dev/null >out
  [ ! -s out ]
  "$B64" -d </dev/null >out
  [ ! -s out ]
}

@test "long options --wrap=COLS and --decode work like -w and -d" {
  run "$B64" --wrap=4 < <(printf 'foobar')
  assert_output $'Zm9v\nYmFy'
  run "$B64" --decode < <(printf 'Zm9v\nYmFy\n')
  assert_output "foobar"
}

@test "FILE - reads standard input" {
  run "$B64" - < <(printf 'Man')
  assert_success
  assert_output "TWFu"
}

# --- decoding: what is accepted, what is not ------------------------------------

@test "decoding skips newlines anywhere, even inside a group" {
  run "$B64" -d < <(printf '\nT\nW\n\nFu\nTW\nE=\n\n')
  assert_success
  assert_output "ManMa"
}

@test "decoding accepts a padded group followed by more groups" {
  run "$B64" -d < <(printf 'TWE=TWFu')
  assert_success
  assert_output "MaMan"
}

@test "decoding a space fails with its offset, after writing the bytes before it" {
  run --separate-stderr "$B64" -d < <(printf 'TWFu TWFu')
  assert_failure 1
  assert_output "Man"
  [ "$stderr" = "b64: invalid input at offset 4: byte 0x20 (' ') is not base64 (-i skips it)" ]
}

@test "decoding CRLF line ends fails at the CR, as coreutils does" {
  run --separate-stderr "$B64" -d < <(printf 'TWFu\r\nTWFu\r\n')
  assert_failure 1
  [[ $stderr == "b64: invalid input at offset 4: byte 0x0d is not base64"* ]]
}

@test "the offset of a bad byte counts newlines and earlier blocks" {
  head -c 300000 /dev/urandom | base64 >in
  printf '*' >>in
  local size; size=$(($(wc -c <in) - 1))
  run --separate-stderr "$B64" -d in
  assert_failure 1
  [[ $stderr == "b64: invalid input at offset $size: byte 0x2a ('*')"* ]]
}

@test "-i skips bytes outside the alphabet, newlines and CRs included" {
  run "$B64" -i -d < <(printf 'T W*F\r\nu\x01TW\xffE=')
  assert_success
  assert_output "ManMa"
  run "$B64" --ignore-garbage -d < <(printf 'Zm9v YmFy')
  assert_output "foobar"
}

@test "-i still rejects misplaced padding, at its offset in the whole input" {
  run --separate-stderr "$B64" -d -i < <(printf 'TWFu *=AAA')
  assert_failure 1
  assert_output "Man"
  [[ $stderr == "b64: invalid input at offset 6: '=' cannot be the 1st or 2nd"* ]]
}

@test "'=' as the 1st or 2nd character of a group is an error" {
  run --separate-stderr "$B64" -d < <(printf 'TWFu=AAA')
  assert_failure 1
  assert_output "Man"
  [ "$stderr" = "b64: invalid input at offset 4: '=' cannot be the 1st or 2nd character of a 4-character group" ]
}

@test "a character after \"xx=\" other than '=' is an error" {
  run --separate-stderr "$B64" -d < <(printf 'TW=u')
  assert_failure 1
  assert_output "M"
  [ "$stderr" = "b64: invalid input at offset 3: byte 0x75 ('u') after \"xx=\" (a second '=' must end the group)" ]
}

@test "input that ends inside a group fails with the input length as offset" {
  run --separate-stderr "$B64" -d < <(printf 'TWFuTWF\n')
  assert_failure 1
  assert_output "ManMa"
  [ "$stderr" = "b64: invalid input at offset 8: the input ends inside a 4-character group (missing '=' padding?)" ]
}

@test "bits dropped by padding are not checked, as in coreutils" {
  run "$B64" -d < <(printf 'TWF=')
  assert_success
  assert_output "Ma"
}

@test "damaged and random inputs decode to the same bytes and status as coreutils" {
  local chars='ABz09+/==\n\n\n \r*-_' i j n s
  for ((i = 0; i < 150; i++)); do
    s=""
    n=$((RANDOM % 24))
    for ((j = 0; j < n; j++)); do
      s+=${chars:$((RANDOM % ${#chars})):1}
    done
    printf -- "$s" >in
    same_as_coreutils -d -- in
    same_as_coreutils -d -i -- in
  done
  # valid encodings with one byte changed, inserted or removed
  for ((i = 0; i < 80; i++)); do
    head -c $((RANDOM % 200)) /dev/urandom | base64 -w $((RANDOM % 80)) >in
    n=$(wc -c <in)
    j=$((RANDOM % (n + 1)))
    { head -c "$j" in; printf -- "${chars:$((RANDOM % ${#chars})):1}"
      tail -c +$((j + 1 + RANDOM % 2)) in; } >damaged
    same_as_coreutils -d -- damaged
    same_as_coreutils -d -i -- damaged
  done
}

@test "-w is ignored when decoding and -i when encoding, as in coreutils" {
  printf 'foobar' >in
  base64 in >in.b64
  same_as_coreutils -d -w 3 -- in.b64
  same_as_coreutils -i -- in
}

# --- base64url (RFC 4648 section 5) -------------------------------------------

@test "--url encodes with '-' and '_' in place of '+' and '/'" {
  run "$B64" --url < <(printf '\xfb\xff\xfe')
  assert_success
  assert_output "-__-"
  run "$B64" < <(printf '\xfb\xff\xfe')
  assert_output "+//+"
}

@test "--url matches basenc --base64url on random inputs, both ways" {
  command -v basenc >/dev/null || skip "basenc (coreutils >= 8.31) not installed"
  local n
  head -c 5000 /dev/urandom >random
  for n in $(seq 0 60) 999 1000 1001 4999 5000; do
    head -c "$n" random >in
    basenc --base64url in >want
    fast_b64 --url in >got
    cmp want got
    fast_b64 --url -d want >back
    cmp in back
  done
}

@test "--url decoding rejects '+' and '/' with their offset" {
  run --separate-stderr "$B64" --url -d < <(printf 'ab+/')
  assert_failure 1
  [[ $stderr == "b64: invalid input at offset 2: byte 0x2b ('+') is not base64"* ]]
}

# --- --explain --------------------------------------------------------------------

@test "--explain Man draws bytes, bits, 6-bit values and characters" {
  LC_ALL=C run "$B64" --explain Man
  assert_success
  assert_output - <<'EOF'
"Man" is 3 bytes (24 bits) -> 4 base64 characters

Each group of 3 bytes (24 bits) is cut into four 6-bit values;
each value (0-63) picks one character (RFC 4648 section 4, Table 1):
    0-25 A-Z    26-51 a-z    52-61 0-9    62 +    63 /

Group 1 of 1: "Man" -> "TWFu"

  text                 M               a               n
  byte value           77              97             110
               +---------------+---------------+---------------+
  bits          0 1 0 0 1 1 0 1 0 1 1 0 0 0 0 1 0 1 1 0 1 1 1 0
               +-----------+-----------+-----------+-----------+
  6-bit value        19          22          5           46
  character          T           W           F           u

Result: TWFu
EOF
}

@test "--explain Ma shows the 2 zero bits added and the '=' padding" {
  LC_ALL=C run "$B64" --explain Ma
  assert_success
  assert_output --partial - <<'EOF'
Group 1 of 1: "Ma" -> "TWE="

  text                 M               a        added
  byte value           77              97       zeros
               +---------------+---------------+...+
  bits          0 1 0 0 1 1 0 1 0 1 1 0 0 0 0 1 0 0
               +-----------+-----------+-----------+...........+
  6-bit value        19          22          4        no bits
  character          T           W           E           =

  Only 16 bits are left: 2 zero bits are added to fill the last 6-bit value
  (16 + 2 = 18 = 3 x 6). Base64 writes 4 characters per group, so the
  missing 4th character is written as the padding '='.

Result: TWE=
EOF
}

@test "--explain M shows 4 zero bits and '==' padding" {
  LC_ALL=C run "$B64" --explain M
  assert_success
  assert_output --partial "  bits          0 1 0 0 1 1 0 1 0 0 0 0"
  assert_output --partial "4 zero bits are added"
  assert_output --partial "missing 3rd and 4th characters are written as the padding '=='"
  assert_output --partial "Result: TQ=="
}

@test "--explain draws one group per 3 bytes, and its result is the encoding" {
  LC_ALL=C run "$B64" --explain "Many hands"
  assert_success
  assert_output --partial 'Group 4 of 4: "s" -> "cw=="'
  assert_line "Result: $(printf 'Many hands' | base64)"
}

@test "--explain uses box-drawing characters in a UTF-8 locale" {
  LC_ALL=C.UTF-8 run "$B64" --explain Man
  assert_success
  assert_line "               ┌───────────────┬───────────────┬───────────────┐"
  assert_line "               └───────────┴───────────┴───────────┴───────────┘"
}

@test "--explain with --url uses the alphabet of RFC 4648 section 5" {
  LC_ALL=C run "$B64" --url --explain $'\xfb\xff'
  assert_success
  assert_output --partial "(RFC 4648 section 5, Table 2)"
  assert_output --partial '"\xfb\xff" is 2 bytes'
  assert_line "Result: -_8="
}

@test "--explain with -d is a usage error" {
  run --separate-stderr "$B64" -d --explain TWFu
  assert_failure 1
  [[ $stderr == "b64: --explain shows encoding; it cannot be used with -d"* ]]
}

# --- streaming --------------------------------------------------------------------

@test "64 MiB stream through a pipe both ways, in the same memory as 1 MiB" {
  [ -x /usr/bin/time ] || skip "/usr/bin/time (GNU time) not installed"
  head -c $((64 << 20)) /dev/urandom >big
  head -c $((1 << 20)) big >small
  /usr/bin/time -f %M -o rss.small "$B64" <small >small.b64
  cat big | /usr/bin/time -f %M -o rss.enc "$B64" | /usr/bin/time -f %M -o rss.dec "$B64" -d >back
  cmp big back
  base64 small | cmp - small.b64
  local small enc dec
  small=$(tail -n 1 rss.small) enc=$(tail -n 1 rss.enc) dec=$(tail -n 1 rss.dec)
  echo "max RSS KiB: 1 MiB encode $small, 64 MiB encode $enc, decode $dec" >&2
  [ "$enc" -lt $((small + 8192)) ]
  [ "$dec" -lt $((small + 8192)) ]
}

# --- errors and usage ---------------------------------------------------------------

@test "a missing file is an error naming the file" {
  run --separate-stderr "$B64" no-such-file
  assert_failure 1
  [ "$stderr" = "b64: no-such-file: No such file or directory" ]
}

@test "a directory as FILE is a read error naming it" {
  run --separate-stderr "$B64" .
  assert_failure 1
  [ "$stderr" = "b64: .: Is a directory" ]
}

@test "a full disk is a write error" {
  [ -w /dev/full ] || skip "no /dev/full"
  run --separate-stderr bash -c '"$0" </dev/zero >/dev/full' "$B64"
  assert_failure 1
  [ "$stderr" = "b64: write error: No space left on device" ]
}

@test "--explain to a full disk is a write error" {
  [ -w /dev/full ] || skip "no /dev/full"
  run --separate-stderr bash -c '"$0" --explain Man >/dev/full' "$B64"
  assert_failure 1
  [ "$stderr" = "b64: write error: No space left on device" ]
}

@test "an extra operand is a usage error" {
  run --separate-stderr "$B64" a b
  assert_failure 1
  [ "$stderr" = "b64: extra operand 'b'"$'\n'"Try 'b64 --help' for more information." ]
}

@test "an invalid wrap size is a usage error" {
  local w
  for w in x 3x -1 ''; do
    run --separate-stderr "$B64" -w "$w" </dev/null
    assert_failure 1
    [[ $stderr == "b64: invalid wrap size: '$w'"* ]]
  done
}

@test "a wrap size too large to hold means no wrapping, as in coreutils" {
  run "$B64" -w 99999999999999999999999 < <(head -c 200 /dev/zero)
  assert_success
  [ "${#lines[@]}" -eq 1 ]
}

@test "an unknown option is a usage error" {
  run --separate-stderr "$B64" --bogus
  assert_failure 1
  [ "$stderr" = "b64: unrecognized option '--bogus'"$'\n'"Try 'b64 --help' for more information." ]
}

@test "an option without its argument is a usage error" {
  run --separate-stderr "$B64" --explain
  assert_failure 1
  [[ $stderr == "b64: option '--explain' requires an argument"* ]]
}

@test "--help prints the usage on stdout and exits 0" {
  run --separate-stderr "$B64" --help
  assert_success
  assert_line --index 0 "Usage: b64 [-d] [-i] [-w COLS] [--url] [FILE]"
  assert_line --index 1 "       b64 [--url] --explain TEXT"
}

@test "the man page renders without warnings and its synopsis matches --help" {
  command -v groff >/dev/null || skip "groff not installed"
  local page=$CARTERO_ROOT/tools/b64/b64.1
  run groff -man -ww -z "$page"
  assert_success
  assert_output ""
  groff -man -Tascii -P-cbou "$page" 2>/dev/null |
    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d;/^$/d;s/^ *//' >synopsis
  "$B64" --help | sed -n '1,2p' | sed 's/^Usage: //;s/^ *//' >usage
  diff synopsis usage
}
