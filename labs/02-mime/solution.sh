#!/usr/bin/env bash
# solution.sh - performs lab 02 end to end, as a student does it with
# mailcat, mime and b64, and writes answers.txt from what it saw.
#
# usage: solution.sh [--force] [LAB_DIR]
#
#   LAB_DIR       where lab-mail/, lab-mail-7bit/, extracted/, the built
#                 messages (*.eml) and answers.txt go (default: $LAB_DIR, or
#                 the directory of this script)
#   --force       overwrite an existing answers.txt
#   $CARTERO_BIN  the directory holding smtpd, mailcat, mime and b64
#                 (default: bin/ of this repository)
#   $SMTPD_LOG    append the servers' -v transcripts to this file (default:
#                 a temporary file, printed when something goes wrong)
#
# It starts two smtpd on 127.0.0.1 with ports the kernel picks (-p 0
# --port-file), in LAB_DIR as the README says: one with -m lab-mail, one
# with -m lab-mail-7bit --strict-7bit. It talks SMTP with mailcat in script
# mode (the slides' notation, each line waiting for its reply; :send for the
# built messages), builds, shows and takes messages apart with mime, and
# stops the servers by their PIDs. Instructors can run it as a demo: it
# prints every session.
set -euo pipefail

# The code every lab shares is in labs/lib/, beside this folder (a copy of
# this folder made elsewhere finds it through $CARTERO_ROOT); it also sets
# script_dir, this folder.
lib=$(dirname "${BASH_SOURCE[0]}")/../lib; [ -d "$lib" ] || lib=${CARTERO_ROOT:-.}/labs/lib
# shellcheck source=SCRIPTDIR/../lib/solution.bash disable=SC1091
. "$lib/solution.bash" || exit 70

solution_options "$@"   # sets force, lab and root
need_programs smtpd mailcat mime b64
need_beside answers.template crepe.jpg
protect_answers
[ -f "$lab/crepe.jpg" ] || cp "$script_dir/crepe.jpg" "$lab/"

solution_work_dir lab02
log=${SMTPD_LOG:-$work/smtpd.log}

# on_failure - what cleanup shows when we failed: the servers' transcript.
on_failure() { show_tail "the servers' transcript ($log)" "$log" 40; }

# start_smtpd MAILROOT [SMTPD OPTIONS...] - starts smtpd in the lab
# directory, as in the README (-d hamburger.edu -m MAILROOT -v), on a free
# port. Sets PID and PORT.
start_smtpd() {
  local mailroot=$1
  shift
  start_in_lab "$log" 0 "$bin/smtpd" -d hamburger.edu -m "$mailroot" -v "$@"
}

# session PORT - runs the script on standard input with mailcat, from the lab
# directory (so that ":send crepe.eml" finds the file), shows the session
# and keeps it in $work/session. mailcat fails when a reply has another code
# than its "S:" line expects.
session() {
  echo "\$ ../../bin/mailcat 127.0.0.1 $1"
  (cd "$lab" && "$bin/mailcat" --no-color --timeout "$REPLY_TIMEOUT_SECONDS" \
      --script - 127.0.0.1 "$1") >"$work/session" 2>&1 || {
    cat "$work/session"
    die "the session with port $1 did not go as the script expected"
  }
  cat "$work/session"
}

# run COMMAND... - shows a command as the student types it, and runs it in
# the lab directory. run_to FILE COMMAND... - the same, output into FILE (a
# name in the lab directory).
shown_command() {
  local a line='$'
  for a in "$@"; do
    a=${a/#"$bin"\//../../bin/}
    if [[ $a =~ ^[][A-Za-z0-9_./:@=,\<\>\|-]+$ ]]; then line+=" $a"; else line+=" '$a'"; fi
  done
  printf '%s\n' "$line"
}
run() {
  shown_command "$@"
  (cd "$lab" && "$@")
}
run_to() {
  local out=$1
  shift
  shown_command "$@" ">" "$out"
  (cd "$lab" && "$@" >"$out")
}

# listing USER - the names in USER's new/, as `ls` shows them. new_file USER
# BEFORE - the path of the one file in USER's new/ that is not in the BEFORE
# listing (new_name in lib/solution.bash).
listing() { new_names "$lab/lab-mail/$1/new"; }
new_file() {
  local name
  name=$(new_name "$lab/lab-mail/$1/new" "$2") || exit 1
  printf '%s' "$lab/lab-mail/$1/new/$name"
}

# field_naming FILE WORD - the name of the first header field (folded lines
# joined) whose text holds WORD.
field_naming() {
  awk -v w="$2" '
    /^$/ { exit }
    /^[ \t]/ { if (index($0, w) && name != "") { print name; exit } next }
    { name = $0; sub(/:.*/, "", name); if (index($0, w)) { print name; exit } }' "$1"
}

start_smtpd lab-mail
PORT_LAB=$PORT
start_smtpd lab-mail-7bit --strict-7bit
PORT_7BIT=$PORT
echo "# smtpd listens on 127.0.0.1 port $PORT_LAB (mail root lab-mail) and,"
echo "# with --strict-7bit, on port $PORT_7BIT (mail root lab-mail-7bit)"

echo
echo "# Step 2: the envelope says carol, the header says bob"
carol_before=$(listing carol)
session "$PORT_LAB" <<'EOF'
S: 220
C: HELO crepes.fr
S: 250
C: MAIL FROM:<alice@crepes.fr>
S: 250
C: RCPT TO:<carol@hamburger.edu>
S: 250
C: DATA
S: 354
C: From: alice@crepes.fr
C: To: bob@hamburger.edu
C: Subject: Who gets this?
C:
C: The header says bob, the envelope says carol.
C: .
S: 250
C: QUIT
S: 221
EOF
carol_file=$(new_file carol "$carol_before")
echo "\$ ls lab-mail/"
ls "$lab/lab-mail"
echo "\$ cat lab-mail/carol/new/$(basename "$carol_file")"
cat "$carol_file"
A[1]="$(field_naming "$carol_file" carol@hamburger.edu): the server's trace line ends with for <carol@hamburger.edu>"

echo
echo "# Step 3: a blind copy for dave: two RCPT TO, a header that names bob only"
bob_before=$(listing bob)
session "$PORT_LAB" <<'EOF'
S: 220
C: HELO crepes.fr
S: 250
C: MAIL FROM:<alice@crepes.fr>
S: 250
C: RCPT TO:<bob@hamburger.edu>
S: 250
C: RCPT TO:<dave@hamburger.edu>
S: 250
C: DATA
S: 354
C: From: alice@crepes.fr
C: To: bob@hamburger.edu
C: Subject: Crepes tonight
C:
C: Dinner at eight.
C: .
S: 250
C: QUIT
S: 221
EOF
bcc_file=$(new_file bob "$bob_before")
[ -f "$lab/lab-mail/dave/new/$(basename "$bcc_file")" ] || die "dave did not get $(basename "$bcc_file")"
echo "\$ cat lab-mail/bob/new/$(basename "$bcc_file")"
cat "$bcc_file"
if grep -qi dave "$bcc_file"; then
  A[2]="Yes: bob's copy names dave"
else
  A[2]="No: dave is in no line of bob's copy, and with two recipients Received names none"
fi
A[3]="RCPT TO:<dave@hamburger.edu>, in the envelope only"
echo "# what mime build does with --bcc: it writes the line, for the submitting client to remove"
run_to bcc.eml "$bin/mime" build --from alice@crepes.fr --to bob@hamburger.edu \
  --bcc dave@hamburger.edu --subject "Crepes tonight" --text "Dinner at eight."
run grep -i '^bcc:' bcc.eml

echo
echo "# Step 4: the photo"
run_to crepe.eml "$bin/mime" build --from alice@crepes.fr --to bob@hamburger.edu \
  --subject "Picture of yummy crepe." --text "Here is the crepe I told you about." \
  --attach crepe.jpg
run "$bin/mime" show crepe.eml
run grep -A 6 '^Content-Type: image' crepe.eml
bob_before=$(listing bob)
session "$PORT_LAB" <<'EOF'
S: 220
C: HELO crepes.fr
S: 250
C: MAIL FROM:<alice@crepes.fr>
S: 250
C: RCPT TO:<bob@hamburger.edu>
S: 250
C: DATA
S: 354
:send crepe.eml
S: 250
C: QUIT
S: 221
EOF
photo_file=$(new_file bob "$bob_before")
photo_rel=lab-mail/bob/new/$(basename "$photo_file")
run "$bin/mime" show "$photo_rel"
shown_command "$bin/mime" extract -d extracted "$photo_rel"
extract_out=$(cd "$lab" && "$bin/mime" extract -d extracted "$photo_rel")
printf '%s\n' "$extract_out"
extracted=$(printf '%s\n' "$extract_out" | sed -n 's/^\(extracted\/[^ ]*\) (image\/jpeg, .*/\1/p' | head -n 1)
[ -n "$extracted" ] || die "mime extract wrote no image/jpeg part"
run sha256sum crepe.jpg "$extracted"
sum_photo=$(sha256sum <"$lab/crepe.jpg" | cut -d' ' -f1)
sum_extracted=$(sha256sum <"$lab/$extracted" | cut -d' ' -f1)
[ "$sum_photo" = "$sum_extracted" ] || die "the extracted photo differs from crepe.jpg"
A[4]=$(sed -n 's/^Content-Type: \(image\/[a-z]*\).*/\1/p' "$photo_file" | head -n 1)
A[5]=$(awk 'tolower($0) ~ /^content-type: image\// { p = 1 }
            p && tolower($0) ~ /^content-transfer-encoding:/ { sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$photo_file")
bytes=$(wc -c <"$lab/crepe.jpg")
chars=$("$bin/b64" -w 0 "$lab/crepe.jpg" | wc -c)
run ls -l crepe.jpg
shown_command "$bin/b64" -w 0 crepe.jpg "|" wc -c
echo "$chars"
A[6]=$(awk -v c="$chars" -v b="$bytes" 'BEGIN { printf "%.2f (%d Base64 characters for %d bytes: 4 for every 3)", c / b, c, b }')
A[7]=$sum_extracted

echo
echo "# Step 5: Base64 on paper, checked with b64 --explain"
run "$bin/b64" --explain Hi | tee "$work/hi"
A[8]=$(sed -n 's/^Result: //p' "$work/hi")
run "$bin/b64" --explain H | tee "$work/h"
padding=$(sed -n 's/^Result: //p' "$work/h" | tr -cd '=' | wc -c)
A[9]="$padding (H is 8 bits: two characters carry them, the other two of the group are =)"

echo
echo "# Step 6: a server that takes 7-bit ASCII only"
echo "# (EHLO to both servers: which extension is missing?)"
printf 'S: 220\nC: EHLO crepes.fr\nS: 250\nC: QUIT\nS: 221\n' | session "$PORT_LAB"
sed -n 's/^S: 250[- ]\([A-Z0-9]*\).*/\1/p' "$work/session" | sed 1d | sort >"$work/ehlo.lab"
printf 'S: 220\nC: EHLO crepes.fr\nS: 250\nC: QUIT\nS: 221\n' | session "$PORT_7BIT"
sed -n 's/^S: 250[- ]\([A-Z0-9]*\).*/\1/p' "$work/session" | sed 1d | sort >"$work/ehlo.7bit"
missing=$(comm -23 "$work/ehlo.lab" "$work/ehlo.7bit" | tr '\n' ' ')
[ -n "$missing" ] || die "both servers offer the same extensions"
A[12]="${missing% } (RFC 6152: without it a client may send 7-bit ASCII only)"

echo "# the raw text, with its 8-bit ó"
session "$PORT_7BIT" <<'EOF'
S: 220
C: HELO crepes.fr
S: 250
C: MAIL FROM:<alice@crepes.fr>
S: 250
C: RCPT TO:<bob@hamburger.edu>
S: 250
C: DATA
S: 354
C: From: alice@crepes.fr
C: To: bob@hamburger.edu
C: Subject: Prueba
C:
C: Prueba de interacción
C: .
S: 554
C: QUIT
S: 221
EOF
A[10]=$(sed -n 's/^S: \(554\) .*/\1/p' "$work/session" | head -n 1)
[ -z "$(ls -A "$lab/lab-mail-7bit/bob/new" 2>/dev/null)" ] || die "the --strict-7bit server stored the raw text"

echo "# the same text, built by mime build"
run_to prueba.eml "$bin/mime" build --from alice@crepes.fr --to bob@hamburger.edu \
  --subject "Prueba de interacción" --text "Prueba de interacción"
run cat prueba.eml
session "$PORT_7BIT" <<'EOF'
S: 220
C: HELO crepes.fr
S: 250
C: MAIL FROM:<alice@crepes.fr>
S: 250
C: RCPT TO:<bob@hamburger.edu>
S: 250
C: DATA
S: 354
:send prueba.eml
S: 250
C: QUIT
S: 221
EOF
echo "\$ ls lab-mail-7bit/bob/new/"
ls "$lab/lab-mail-7bit/bob/new/"
qp=$(awk 'body { print } /^$/ { body = 1 }' "$lab/prueba.eml" | grep -o 'interacci=[0-9A-F][0-9A-F]=[0-9A-F][0-9A-F]' | head -n 1)
[ -n "$qp" ] || die "no quoted-printable ó in prueba.eml"
A[11]="${qp#interacci} (quoted-printable: the two bytes of ó in UTF-8, C3 and B3)"

# answers.txt: the template, with each "A<n>:" line filled in.
write_answers
echo
echo "# answers written to $lab/answers.txt"
grep '^A[0-9]*:' "$lab/answers.txt"
