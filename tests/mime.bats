#!/usr/bin/env bats
# mime.bats - mime build, show and extract, checked against the readers and
# writers that everybody else uses: Python's email package and mpack's
# munpack/mpack. Messages for the parser are in tests/fixtures/mime/.

bats_require_minimum_version 1.5.0
load lib/helpers

FIXTURES=$BATS_TEST_DIRNAME/fixtures/mime

setup() {
  MIME=$CARTERO_BIN/mime
  # UBSan reports must fail the run, not scroll by (make test sets this too).
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  cd "$BATS_TEST_TMPDIR"
}

# mime ARGS... - run mime with bats' run, stderr apart in $stderr; fails the
# test if a sanitizer said anything.
mime() {
  run --separate-stderr "$MIME" "$@"
  if [[ $stderr == *AddressSanitizer* || $stderr == *"runtime error"* ]]; then
    echo "sanitizer report from mime $*:" >&2
    echo "$stderr" >&2
    return 1
  fi
}

# build OUT ARGS... - mime build ARGS > OUT, which must succeed quietly.
build() {
  local out=$1; shift
  if ! "$MIME" build "$@" > "$out" 2> build.err || [ -s build.err ]; then
    echo "mime build $* failed:" >&2
    cat build.err >&2
    return 1
  fi
}

# standard options for build, plus ARGS
build_simple() {
  local out=$1; shift
  build "$out" --from 'Ana Pérez <ana@example.org>' --to bob@example.org \
    --subject 'Prueba de interacción' "$@"
}

# py_parts FILE - each leaf part as Python's email package reads it, one per
# line: TYPE<tab>FILENAME<tab>SHA256 of the decoded data; then DEFECT lines
# for anything Python found wrong.
py_parts() {
  python3 - "$1" <<'EOF'
import sys, email, email.policy, hashlib
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
for p in m.walk():
    for d in p.defects:
        print('DEFECT', type(d).__name__)
    if not p.is_multipart():
        data = p.get_payload(decode=True)
        print(p.get_content_type(), p.get_filename() or '-',
              hashlib.sha256(data).hexdigest(), sep='\t')
EOF
}

# py_header FILE NAME - the header field NAME as Python decodes it.
py_header() {
  python3 - "$1" "$2" <<'EOF'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(str(m[sys.argv[2]]))
EOF
}

sha() {
  sha256sum "$1" | cut -d' ' -f1
}

# random_file NAME SIZE - SIZE random bytes in NAME.
random_file() {
  head -c "$2" /dev/urandom > "$1"
}

# --- help, usage and the man page ------------------------------------------

@test "mime --help shows the usage of every command and exits 0" {
  mime --help
  assert_success
  assert_output --partial "usage: mime build"
  assert_output --partial "mime show FILE"
  assert_output --partial "mime extract [-d DIR] FILE"
}

@test "each command answers --help with its own usage" {
  local c
  for c in build show extract; do
    mime "$c" --help
    assert_success
    assert_output --partial "usage: mime $c"
  done
}

@test "an unknown command or option is a usage error (64)" {
  mime frobnicate
  assert_failure 64
  assert_equal "${stderr_lines[0]}" "mime: unknown command 'frobnicate'"
  mime show --frobnicate x
  assert_failure 64
}

@test "the man page renders and documents every option of build --help" {
  local page=$CARTERO_ROOT/tools/mime/mime.1 text option
  text=$(MANWIDTH=80 man -l "$page" 2>&1)
  [[ $text == *SYNOPSIS* && $text == *"EXIT STATUS"* ]]
  mime build --help
  for option in $(grep -oE -- '--[a-z-]+' <<<"$output" | sort -u); do
    grep -qF -- "${option//-/\\-}" "$page" || { echo "$option is not in mime.1"; return 1; }
  done
}

# --- build: structure --------------------------------------------------------

@test "build: text only is one text/plain part with Date, Message-ID and MIME-Version" {
  build_simple m.eml --text 'Hello.'
  grep -qE '^Date: [A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$' m.eml
  grep -qE '^Message-ID: <[^ @]+@[^ @]+>$' m.eml
  grep -qx 'MIME-Version: 1.0' m.eml
  grep -qx 'Content-Type: text/plain; charset=us-ascii' m.eml
  ! grep -q multipart m.eml
}

@test "build: text and HTML make a multipart/alternative, plain text first" {
  printf '<p>Hola</p>\n' > a.html
  build_simple m.eml --text 'Hola' --html-file a.html
  run py_parts m.eml
  assert_line --index 0 --regexp '^text/plain'
  assert_line --index 1 --regexp '^text/html'
  grep -q '^Content-Type: multipart/alternative;' m.eml
  ! grep -q 'multipart/mixed' m.eml
}

@test "build: HTML and attachments make a multipart/mixed holding the multipart/alternative" {
  printf '<p>Hola</p>\n' > a.html
  random_file data.bin 100
  build_simple m.eml --text 'Hola' --html-file a.html --attach data.bin
  run python3 -c '
import sys, email, email.policy
m = email.message_from_binary_file(open("m.eml", "rb"), policy=email.policy.default)
print(" ".join(p.get_content_type() for p in m.walk()))'
  assert_output "multipart/mixed multipart/alternative text/plain text/html application/octet-stream"
}

@test "build: Python reads back random binary attachments byte for byte" {
  local size args=()
  for size in 0 1 2 3 57 58 1000 100000; do
    random_file "r$size.bin" "$size"
    args+=(--attach "r$size.bin")
  done
  build_simple m.eml --text 'Files.' "${args[@]}"
  run py_parts m.eml
  refute_output --partial DEFECT
  for size in 0 1 2 3 57 58 1000 100000; do
    assert_line "$(printf 'application/octet-stream\tr%s.bin\t%s' "$size" "$(sha "r$size.bin")")"
  done
}

@test "build: Python reads back UTF-8 text and HTML byte for byte" {
  printf 'Línea con acentos: áéíóú ñ ü ¿? ¡!\nY una línea muy larga que supera con mucho los setenta y ocho caracteres de una línea de correo.\n= signo igual al final =\nFrom the start\n.\ntrailing space \n' > t.txt
  printf '<p>Ma\xc3\xb1ana &amp; caf\xc3\xa9</p>\n' > a.html
  build_simple m.eml --text-file t.txt --html-file a.html
  run py_parts m.eml
  refute_output --partial DEFECT
  assert_line "$(printf 'text/plain\t-\t%s' "$(sha t.txt)")"
  assert_line "$(printf 'text/html\t-\t%s' "$(sha a.html)")"
}

@test "build: text files attached as text come back byte for byte" {
  printf 'sin salto final: ñ' > a.txt
  printf 'ascii\n\n\n' > b.txt
  printf 'crlf\r\nlines\r\n' > c.txt
  build_simple m.eml --attach a.txt --attach b.txt --attach c.txt
  run py_parts m.eml
  refute_output --partial DEFECT
  assert_line "$(printf 'text/plain\ta.txt\t%s' "$(sha a.txt)")"
  assert_line "$(printf 'text/plain\tb.txt\t%s' "$(sha b.txt)")"
  assert_line "$(printf 'text/plain\tc.txt\t%s' "$(sha c.txt)")"
}

@test "build: 7bit for short ASCII lines, quoted-printable for non-ASCII or long lines" {
  build_simple a.eml --text 'short ASCII'
  grep -qx 'Content-Transfer-Encoding: 7bit' a.eml
  build_simple b.eml --text 'caña'
  grep -qx 'Content-Transfer-Encoding: quoted-printable' b.eml
  grep -qx 'Content-Type: text/plain; charset=utf-8' b.eml
  build_simple c.eml --text "$(printf 'x%.0s' {1..79})"
  grep -qx 'Content-Transfer-Encoding: quoted-printable' c.eml
}

@test "build: Content-Type comes from the file name" {
  local f
  for f in a.jpg b.JPEG c.png d.gif e.pdf f.zip g.txt h.html i.unknown j; do
    printf 'x' > "$f"
  done
  build_simple m.eml $(for f in a.jpg b.JPEG c.png d.gif e.pdf f.zip g.txt h.html i.unknown j; do echo --attach "$f"; done)
  run py_parts m.eml
  assert_line --regexp $'^image/jpeg\ta.jpg\t'
  assert_line --regexp $'^image/jpeg\tb.JPEG\t'
  assert_line --regexp $'^image/png\tc.png\t'
  assert_line --regexp $'^image/gif\td.gif\t'
  assert_line --regexp $'^application/pdf\te.pdf\t'
  assert_line --regexp $'^application/zip\tf.zip\t'
  assert_line --regexp $'^text/plain\tg.txt\t'
  assert_line --regexp $'^text/html\th.html\t'
  assert_line --regexp $'^application/octet-stream\ti.unknown\t'
  assert_line --regexp $'^application/octet-stream\tj\t'
}

@test "build: the Bcc field is written (the submitting agent removes it)" {
  build_simple m.eml --bcc 'Hidden <hidden@example.org>' --text x
  grep -qx 'Bcc: Hidden <hidden@example.org>' m.eml
}

# --- build: headers and line lengths -----------------------------------------

@test "build: a Spanish Subject survives as RFC 2047 encoded-words" {
  local s
  for s in 'Prueba de interacción' 'Ñandú, pingüino y cigüeña: ¿qué tal?' \
           '😀 emoji first' 'ends with ñ' 'looks like =?utf-8?q?encoded?= but is not' \
           "$(printf 'Año %.0s' {1..40})fin"; do
    build_simple m.eml --subject "$s" --text x
    run py_header m.eml Subject
    assert_output "$s"
    mime show m.eml
    assert_line "Subject:  $s"
  done
}

@test "build: the encoded Subject is readable ASCII on the wire" {
  build_simple m.eml --subject 'Prueba de interacción' --text x
  grep -qx 'Subject: Prueba de =?utf-8?q?interacci=C3=B3n?=' m.eml
}

@test "build: display names beyond ASCII and with specials survive" {
  build m.eml --from 'José María Núñez <jose@example.org>' \
    --to '"Pérez, Ana" <ana@example.org>, Bob <bob@example.org>, carol@example.org' \
    --subject x --text x
  run py_header m.eml From
  assert_output 'José María Núñez <jose@example.org>'
  run py_header m.eml To
  assert_output '"Pérez, Ana" <ana@example.org>, Bob <bob@example.org>, carol@example.org'
}

@test "build: a file name beyond ASCII goes as an RFC 2231 parameter" {
  printf 'x' > 'mañana café.txt'
  build_simple m.eml --attach 'mañana café.txt'
  grep -qF "filename*=utf-8''ma%C3%B1ana%20caf%C3%A9.txt" m.eml
  run py_parts m.eml
  assert_line --regexp $'^text/plain\tmañana café.txt\t'
}

@test "build: every line is 7-bit and within 78 characters, even with long input" {
  local long_name long_word
  long_name=$(printf 'informe-trimestral-de-resultados-%.0s' {1..5})ñ.pdf
  long_word=$(printf 'x%.0s' {1..200})
  printf 'data' > "$long_name"
  printf '%s\n' "$(printf 'palabra %.0s' {1..100})" "$(printf 'ñ%.0s' {1..300})" > long.txt
  build m.eml --from "$(printf 'Nombre %.0s' {1..20})Núñez <a@example.org>" \
    --to "$(for i in $(seq 1 30); do printf 'User Number %s <user%s@example.org>, ' "$i" "$i"; done)last@example.org" \
    --subject "$(printf 'Asunto con acentos: interacción %.0s' {1..10}) $long_word" \
    --text-file long.txt --attach "$long_name"
  run env LC_ALL=C awk 'length($0) > 78 { print NR ": " length($0) }' m.eml
  assert_output ''
  run env LC_ALL=C grep -n '[^ -~]' m.eml
  assert_failure
  run py_parts m.eml
  refute_output --partial DEFECT
  assert_line --regexp $'^application/pdf\t'"$long_name"$'\t'"$(sha "$long_name")"
}

@test "build: no line passes 998 octets, whatever the Subject" {
  build_simple m.eml --subject "$(printf 'a%.0s' {1..5000}) $(printf ' %.0s' {1..3000})b" --text x
  run env LC_ALL=C awk 'length($0) > 998 { print NR ": " length($0) }' m.eml
  assert_output ''
}

@test "build: a line break in the Subject is refused (header injection)" {
  mime build --from a@example.org --to b@example.org \
    --subject $'hello\nBcc: victim@example.org' --text x
  assert_failure 64
  assert_output ''
  [[ $stderr == "mime: --subject holds a control character"* ]]
}

@test "build: --from, --to and --subject are required" {
  mime build --to b@example.org --subject x
  assert_failure 64
  [[ $stderr == *"--from, --to and --subject are required"* ]]
}

@test "build: an address without '@', or beyond ASCII, is refused" {
  mime build --from nobody --to b@example.org --subject x
  assert_failure 64
  [[ $stderr == *"'nobody' is not an address"* ]]
  mime build --from a@example.org --to 'ñandú@example.org' --subject x
  assert_failure 64
  [[ $stderr == *SMTPUTF8* ]]
}

@test "build: a text file that is not UTF-8 is refused with 65" {
  printf 'caf\xe9\n' > latin1.txt
  mime build --from a@example.org --to b@example.org --subject x --text-file latin1.txt
  assert_failure 65
  [[ $stderr == *"latin1.txt is not UTF-8 (byte 4)"* ]]
}

@test "build: a missing attachment is EX_NOINPUT (66)" {
  mime build --from a@example.org --to b@example.org --subject x --attach nothere.pdf
  assert_failure 66
  assert_equal "$stderr" "mime: nothere.pdf: No such file or directory"
}

@test "build: munpack extracts identical attachments" {
  command -v munpack >/dev/null || skip "munpack is not installed (apt-get install mpack)"
  random_file photo.png 5000
  random_file notes.pdf 777
  build_simple m.eml --text 'See attached.' --attach photo.png --attach notes.pdf
  mkdir out
  run munpack -q -C out "$BATS_TEST_TMPDIR/m.eml"
  assert_success
  cmp out/photo.png photo.png
  cmp out/notes.pdf notes.pdf
}

# --- show ------------------------------------------------------------------

@test "show: header fields are decoded (RFC 2047 B and Q) and unfolded" {
  mime show "$FIXTURES/nested.eml"
  assert_success
  assert_line 'From:     José María <jose@example.org>'
  assert_line 'To:       Students <students@example.org>'
  assert_line 'Subject:  Prueba de interacción (folded) con tabs'
}

@test "show: the part tree has types, encodings, decoded sizes and names" {
  mime show "$FIXTURES/nested.eml"
  assert_success
  assert_line 'multipart/mixed; boundary="outer=_boundary"'
  assert_line '├── [1] multipart/alternative; boundary="inner"'
  assert_line '│   ├── [1.1] text/plain; charset=utf-8, quoted-printable, 83 bytes'
  assert_line '│   └── [1.2] text/html; charset=utf-8, 7bit, 11 bytes'
  assert_line '└── [2] application/octet-stream, base64, 16 bytes, attachment "datos.bin"'
}

@test "show: CRLF line ends read as LF ones do" {
  mime show "$FIXTURES/nested.eml"
  local lf=$output
  sed 's/$/\r/' "$FIXTURES/nested.eml" > crlf.eml
  mime show crlf.eml
  assert_success
  assert_output "$lf"
}

@test "show: reads standard input given as -" {
  run --separate-stderr "$MIME" show - < "$FIXTURES/nested.eml"
  assert_success
  assert_line 'Subject:  Prueba de interacción (folded) con tabs'
}

@test "show: an attached message shows its own From and Subject (ISO-8859-1)" {
  mime show "$FIXTURES/forwarded.eml"
  assert_success
  assert_line '└── [2] message/rfc822, 7bit, 200 bytes'
  assert_line '    From:     Nuñez <nunez@example.org>'
  assert_line '    Subject:  Prueba de interacción'
  assert_line '    └── [2.1] text/plain; charset=iso-8859-1, quoted-printable, 7 bytes'
}

@test "show: control characters from the message never reach the terminal" {
  mime show "$FIXTURES/escape.eml"
  assert_success
  [[ $output != *$'\e'* ]]
  assert_line 'Subject:  �[2Jcleared �[31mred'
}

@test "show: a missing file is EX_NOINPUT (66)" {
  mime show nothere.eml
  assert_failure 66
  assert_equal "$stderr" "mime: nothere.eml: No such file or directory"
}

@test "show: something that is not a message is EX_DATAERR (65)" {
  printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR' > image.png
  mime show image.png
  assert_failure 65
  [[ $stderr == *"not a mail message"* ]]
}

# --- the parser on real-world and hostile input ------------------------------

@test "parser: a missing final boundary keeps every part and says so" {
  mime show "$FIXTURES/no-close.eml"
  assert_success
  assert_line '! no closing boundary line; the last part runs to the end (RFC 2046 5.1.1)'
  assert_line '└── [2] text/plain, 7bit, 44 bytes, "second.txt"'
}

@test "parser: a boundary that never appears leaves one part, reported" {
  printf 'From: a@example.org\nContent-Type: multipart/mixed; boundary=nowhere\n\nno delimiter at all\n' > m.eml
  mime show m.eml
  assert_success
  assert_line --partial 'the boundary never appears in the body; kept as one part'
}

@test "parser: a boundary longer than 70 characters is reported, not used" {
  printf 'From: a@example.org\nContent-Type: multipart/mixed; boundary=%s\n\nbody\n' \
    "$(printf 'b%.0s' {1..5000})" > m.eml
  mime show m.eml
  assert_success
  assert_line --partial 'boundary longer than 70 characters'
}

@test "parser: invalid base64 decodes what it can and warns" {
  mime extract -d out "$FIXTURES/bad-base64.eml"
  assert_success
  assert_equal "$(cat out/junk.bin)" "Hello, world!"
  [[ $stderr == *"part 1: characters outside the base64 alphabet were ignored"* ]]
}

@test "parser: an unknown transfer encoding keeps the body raw and says so" {
  mime extract -d out "$FIXTURES/unknown-encoding.eml"
  assert_success
  assert_equal "$(cat out/raw.txt)" "Uryyb, jbeyq!"
  [[ $stderr == *"unknown Content-Transfer-Encoding"* ]]
}

@test "parser: quoted-printable soft breaks and base64 with spaces decode exactly" {
  mime extract -d out "$FIXTURES/nested.eml"
  assert_success
  printf 'Hola, esto es una l\xc3\xadnea con un salto suave que sigue en la l\xc3\xadnea siguiente.\nFin=.' > want.txt
  cmp out/part-1.1.txt want.txt
  printf '\0\1\2\3\4\5\6\7\10\11\12\13\14\15\16\17' > want.bin
  cmp out/datos.bin want.bin
}

@test "parser: RFC 2231 names (simple, sections, Latin-1), quoted and encoded names" {
  mime extract -d out "$FIXTURES/rfc2231.eml"
  assert_success
  [ -f 'out/mañana y café.txt' ]
  [ -f 'out/informe de la semana número 1.txt' ]
  [ -f 'out/quoted "name"; with semicolon.txt' ]
  [ -f 'out/encoded ñame.txt' ]
}

@test "parser: a 50 MB header line is refused quickly with EX_DATAERR" {
  { printf 'Subject: '; head -c 50000000 /dev/zero | tr '\0' a; printf '\n\nbody\n'; } > big.eml
  mime show big.eml
  assert_failure 65
  assert_equal "$stderr" "mime: big.eml: a header line is longer than MIME_HEADER_MAX (102400 bytes)"
}

@test "parser: multiparts nested 10000 deep stop at MIME_DEPTH_MAX" {
  python3 -c '
import sys
n = 10000
sys.stdout.write("From: a@example.org\n")
for i in range(n):
    sys.stdout.write("Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i))
sys.stdout.write("\nleaf\n")' > deep.eml
  mime show deep.eml
  assert_failure 65
  [[ $stderr == *"nested deeper than MIME_DEPTH_MAX (100 levels)"* ]]
  mime extract -d out deep.eml
  assert_failure 65
}

@test "parser: more than MIME_PARTS_MAX parts is refused" {
  python3 -c '
import sys
sys.stdout.write("From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n")
sys.stdout.write("--b\n\nx\n" * 10001)
sys.stdout.write("--b--\n")' > many.eml
  mime show many.eml
  assert_failure 65
  [[ $stderr == *"more parts than MIME_PARTS_MAX (10000)"* ]]
}

# --- extract -----------------------------------------------------------------

@test "extract: recovers the parts of a message built by Python's email package" {
  random_file blob.bin 3000
  python3 - <<'EOF'
from email.message import EmailMessage
import email.policy
m = EmailMessage()
m['From'] = 'José <jose@example.org>'
m['To'] = 'b@example.org'
m['Subject'] = 'Año nuevo'
m.set_content('Texto con ñ y una línea ' + 'larga ' * 30 + '\n')
m.add_alternative('<p>ñ</p>\n', subtype='html')
m.add_attachment(open('blob.bin', 'rb').read(), maintype='application',
                 subtype='octet-stream', filename='blob ñ.bin')
open('lf.eml', 'wb').write(m.as_bytes())
open('crlf.eml', 'wb').write(m.as_bytes(policy=email.policy.SMTP))
open('text.txt', 'wb').write(m.get_body(('plain',)).get_content().encode())
EOF
  for f in lf crlf; do
    mime extract -d "$f" "$f.eml"
    assert_success
    cmp "$f/blob ñ.bin" blob.bin
    cmp "$f/part-1.1.txt" text.txt
    assert_equal "$(cat "$f/part-1.2.html")" '<p>ñ</p>'
  done
}

@test "extract: recovers the file of a message built by mpack -o" {
  command -v mpack >/dev/null || skip "mpack is not installed (apt-get install mpack)"
  random_file upload.bin 10000
  mpack -s 'from mpack' -o mpack.eml upload.bin
  mime extract -d out mpack.eml
  assert_success
  assert_line 'out/upload.bin (application/octet-stream, 10000 bytes)'
  cmp out/upload.bin upload.bin
}

@test "extract: gets back what build put in, and prints each file" {
  random_file photo.jpg 4000
  build_simple m.eml --text 'Hola' --attach photo.jpg
  mime extract -d out m.eml
  assert_success
  assert_line 'out/part-1.txt (text/plain, 5 bytes)'
  assert_line 'out/photo.jpg (image/jpeg, 4000 bytes)'
  cmp out/photo.jpg photo.jpg
}

@test "extract: names from the message never leave the directory" {
  mkdir -p jail/work
  cd jail/work
  mime extract -d out "$FIXTURES/hostile-names.eml"
  assert_success
  run ls -A out
  assert_output "$(printf '%s\n' bashrc 'bell[31m.txt' encoded.txt escape.txt part-6.txt passwd rf windows.txt | LC_ALL=C sort)"
  run find .. -path ../work/out -prune -o -type f -print
  assert_output ''
}

@test "extract: an existing file is never overwritten: the new one gets a suffix" {
  mkdir out
  printf 'mine' > out/junk.bin
  mime extract -d out "$FIXTURES/bad-base64.eml"
  assert_success
  assert_line 'out/junk-1.bin (application/octet-stream, 13 bytes)'
  assert_equal "$(cat out/junk.bin)" mine
}

@test "extract: a symbolic link planted in the directory is not followed" {
  mkdir out
  ln -s ../outside.bin out/junk.bin
  mime extract -d out "$FIXTURES/bad-base64.eml"
  assert_success
  [ ! -e outside.bin ]
  [ -f out/junk-1.bin ]
}

@test "extract: a directory that cannot be made is EX_CANTCREAT (73)" {
  touch file
  mime extract -d file/sub "$FIXTURES/nested.eml"
  assert_failure 73
  assert_equal "$stderr" "mime: file/sub: Not a directory"
}
