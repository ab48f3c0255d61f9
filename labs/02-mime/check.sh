#!/usr/bin/env bash
# check.sh - checks lab 02 "Message format and MIME": the mail the student
# delivered to the two servers, the photo taken back out of a message, and
# the answers the student wrote.
#
# usage: check.sh [--format text|tap|junit] [LAB_DIR]
#
#   LAB_DIR         the lab directory holding the work (default: $LAB_DIR, or
#                   the directory of this script)
#   $LAB_MAIL       the mail root of the server on port 2525 (default
#                   LAB_DIR/lab-mail)
#   $LAB_MAIL_7BIT  the mail root of the --strict-7bit server on port 2526
#                   (default LAB_DIR/lab-mail-7bit)
#   $LAB_ANSWERS    the answers file (default LAB_DIR/answers.txt)
#
# Each step prints "ok" or "HINT: ..." pointing at the README step to redo.
# Exit status: 0 when every step passed, 1 when some did not, 64 bad usage.
#
# The check reads files only: it starts no server and needs no program from
# bin/ (base64, sha256sum and cmp come from coreutils). How it decides:
#   envelope-not-header  a message in lab-mail/carol/ whose To: line names
#                        bob@hamburger.edu and not carol, and which bob did
#                        not get: the envelope (RCPT TO) decided, not To:
#   blind-copy           one message (one file name) in both bob's and dave's
#                        mailboxes, whose header names bob but neither has a
#                        Bcc: line nor names dave: dave's copy was blind
#   photo-delivered      a message in bob's mailbox with a base64 part that
#                        decodes, byte for byte, to the lab's crepe.jpg
#   photo-extracted      a file in extracted/ equal to crepe.jpg (mime
#                        extract -d extracted ...)
#   strict-7bit          lab-mail-7bit/ holds a message with a
#                        Content-Transfer-Encoding of quoted-printable or
#                        base64: the --strict-7bit server took the encoded
#                        text (it refuses 8-bit bytes, so it stores no other)
#   answer-1..12         the lines "A<n>: ..." of answers.txt, compared with
#                        the replies the servers give and with the files
#
# Contract with scripts/grade.sh: "--format tap" prints a plan "1..N" and one
# "ok N - NAME" or "not ok N - NAME" line per step, each failure followed by
# a "# HINT: ..." line.
set -uo pipefail

# The code every lab shares is in labs/lib/, beside this folder (a copy of
# this folder made elsewhere finds it through $CARTERO_ROOT); it also sets
# script_dir, this folder.
lib=$(dirname "${BASH_SOURCE[0]}")/../lib; [ -d "$lib" ] || lib=${CARTERO_ROOT:-.}/labs/lib
# shellcheck source=SCRIPTDIR/../lib/check.bash disable=SC1091
. "$lib/check.bash" || exit 70

check_options "$@"   # sets format, lab and answers
mail=${LAB_MAIL:-$lab/lab-mail}
mail7=${LAB_MAIL_7BIT:-$lab/lab-mail-7bit}
photo=$lab/crepe.jpg
extracted=$lab/extracted

check_work_dir check02

# --- reading the delivered mail ---------------------------------------------

# Every delivered message of each server, in every mailbox of its mail root.
mapfile -t MESSAGES < <(mail_root_files "$mail")
mapfile -t MESSAGES7 < <(mail_root_files "$mail7")

# header_of FILE NAME - the value of the first header line NAME (any case),
# with its folded continuation lines joined. The server's trace lines on top
# are part of the header, so "To" is found below them.
header_of() {
  awk -v name="$(lower "$2")" '
    /^$/ { exit }
    found && /^[ \t]/ { v = v " " $0; next }
    found { exit }
    tolower(substr($0, 1, length(name) + 1)) == name ":" {
      v = substr($0, length(name) + 2); found = 1
    }
    END { if (found) { gsub(/[ \t]+/, " ", v); sub(/^ /, "", v); print v } }' "$1"
}

# has_header FILE NAME - the header has a line NAME:.
has_header() {
  awk -v name="$(lower "$2")" '
    /^$/ { exit }
    tolower(substr($0, 1, length(name) + 1)) == name ":" { found = 1; exit }
    END { exit !found }' "$1"
}

# in_mailbox USER NAME - USER's mailbox holds a message with file name NAME.
in_mailbox() {
  local f
  for f in "${MESSAGES[@]}"; do
    [ "$(mailbox_of "$f")" = "$1" ] && [ "$(plain_name "$f")" = "$2" ] && return 0
  done
  return 1
}

# --- step: the envelope against the header -----------------------------------

check_envelope() {
  local f to carol=0 to_bob=0 names_carol=0 also_bob=0
  for f in "${MESSAGES[@]}"; do
    [ "$(mailbox_of "$f")" = carol ] || continue
    carol=$((carol + 1))
    to=$(lower "$(header_of "$f" To)")
    [[ $to == *bob@hamburger.edu* ]] || continue
    to_bob=$((to_bob + 1))
    if [[ $to == *carol* ]]; then names_carol=$((names_carol + 1)); continue; fi
    if in_mailbox bob "$(plain_name "$f")"; then also_bob=$((also_bob + 1)); continue; fi
    pass envelope-not-header "$(rel "$f") says To: bob, and only carol got it"
    return
  done
  if [ ! -d "$mail" ] && [ -d "$lab/../../lab-mail" ]; then
    hint envelope-not-header "There is no mail root $(rel "$mail")/, but there is a lab-mail/ at the top of the repository: the server ran from there. Move it here (mv ../../lab-mail .) and start the server from the lab directory next time (README step 1)."
  elif [ ! -d "$mail" ]; then
    hint envelope-not-header "There is no mail root $(rel "$mail")/ yet. Start the server from the lab directory with -m lab-mail (README step 1), then send the message of README step 2."
  elif [ "$carol" -eq 0 ]; then
    hint envelope-not-header "Nothing reached carol: $(rel "$mail")/carol/ does not exist. Send a message with RCPT TO:<carol@hamburger.edu> whose header line says To: bob@hamburger.edu (README step 2)."
  elif [ "$names_carol" -gt 0 ]; then
    hint envelope-not-header "carol's message names carol in its To: line. Only the envelope (RCPT TO) should name carol; the header line must say To: bob@hamburger.edu (README step 2)."
  elif [ "$also_bob" -gt 0 ]; then
    hint envelope-not-header "The message with To: bob reached carol, but bob got it too: you gave a RCPT TO for bob as well. Send it with the one RCPT TO:<carol@hamburger.edu> (README step 2)."
  else
    hint envelope-not-header "carol has $carol message(s), but none with the header line To: bob@hamburger.edu. After DATA, type From:, To: bob@hamburger.edu, Subject:, an empty line, then the text (README step 2)."
  fi
}

# --- step: a blind copy --------------------------------------------------------

check_blind_copy() {
  local f name dave=0 shared=0 with_bcc=0 names_dave=0 seen
  for f in "${MESSAGES[@]}"; do
    [ "$(mailbox_of "$f")" = dave ] || continue
    dave=$((dave + 1))
    name=$(plain_name "$f")
    in_mailbox bob "$name" || continue
    shared=$((shared + 1))
    if has_header "$f" Bcc; then with_bcc=$((with_bcc + 1)); continue; fi
    seen=$(lower "$(header_of "$f" To) $(header_of "$f" Cc)")
    if [[ $seen == *dave* ]]; then names_dave=$((names_dave + 1)); continue; fi
    if [[ $seen != *bob@hamburger.edu* ]]; then continue; fi
    pass blind-copy "$name reached bob and dave, and its header names bob only"
    return
  done
  if [ "$dave" -eq 0 ]; then
    hint blind-copy "Nothing reached dave: $(rel "$mail")/dave/ does not exist. In one transaction give RCPT TO:<bob@hamburger.edu> and RCPT TO:<dave@hamburger.edu>, with a header that says To: bob@hamburger.edu only (README step 3)."
  elif [ "$shared" -eq 0 ]; then
    hint blind-copy "dave got mail, but not the same message as bob: send ONE message with two RCPT TO, one for bob and one for dave, before DATA (README step 3)."
  elif [ "$with_bcc" -gt 0 ]; then
    hint blind-copy "The message bob and dave got has a Bcc: line, so bob can read who got a blind copy. The envelope is all dave needs: leave the Bcc: line out (README step 3)."
  elif [ "$names_dave" -gt 0 ]; then
    hint blind-copy "The message bob and dave got names dave in To: or Cc:, so the copy is not blind. Write To: bob@hamburger.edu only; dave is in the envelope (README step 3)."
  else
    hint blind-copy "bob and dave got the same message, but its header has no To: bob@hamburger.edu line. Type From:, To: bob@hamburger.edu, Subject: and an empty line after DATA (README step 3)."
  fi
}

# --- step: the photo, sent and delivered ------------------------------------------

# base64_parts FILE DIR - writes the base64 text of every part of FILE whose
# Content-Transfer-Encoding is base64 into DIR/1, DIR/2, ... A part is a
# header block (at the top, or after a boundary line "--...") and the body
# that follows it, up to the next boundary line: a line that starts with
# "--", which no base64 line does.
base64_parts() {
  awk -v dir="$2" '
    BEGIN { inhead = 1; n = 0 }
    inhead && /^$/ {
      inhead = 0
      if (b64) { n++; out = dir "/" n; printf "" > out }
      next
    }
    inhead {
      line = tolower($0)
      if (line ~ /^content-transfer-encoding:[ \t]*base64/) b64 = 1
      next
    }
    /^--/ { if (out != "") close(out); out = ""; b64 = 0; inhead = 1; next }
    out != "" { print > out }' "$1"
}

# sha256 FILE - the SHA-256 of FILE in hex.
sha256() {
  if command -v sha256sum >/dev/null; then
    sha256sum <"$1" | cut -d' ' -f1
  else
    shasum -a 256 <"$1" | cut -d' ' -f1
  fi
}

PHOTO_FILES=()
check_photo_delivered() {
  local f p n=0 parts=0 elsewhere=''
  if [ ! -f "$photo" ]; then
    hint photo-delivered "There is no $(rel "$photo"): it comes with the lab (git checkout -- crepe.jpg) (README step 4)."
    return
  fi
  for f in "${MESSAGES[@]}"; do
    n=$((n + 1))
    mkdir -p "$work/parts/$n"
    base64_parts "$f" "$work/parts/$n"
    for p in "$work/parts/$n"/*; do
      [ -f "$p" ] || continue
      parts=$((parts + 1))
      base64 -d -i <"$p" >"$p.bin" 2>/dev/null || true
      cmp -s "$p.bin" "$photo" || continue
      if [ "$(mailbox_of "$f")" = bob ]; then
        PHOTO_FILES+=("$f")
      else
        elsewhere=$(mailbox_of "$f")
      fi
    done
  done
  if [ ${#PHOTO_FILES[@]} -gt 0 ]; then
    pass photo-delivered "$(rel "${PHOTO_FILES[0]}") carries crepe.jpg in base64, intact"
  elif [ -n "$elsewhere" ]; then
    hint photo-delivered "The photo reached $elsewhere, not bob: send it with RCPT TO:<bob@hamburger.edu> (README step 4)."
  elif [ "$parts" -gt 0 ]; then
    hint photo-delivered "A delivered message has a base64 part, but it does not decode to crepe.jpg. Build the message with mime build --attach crepe.jpg > crepe.eml and send the file with mailcat's :send, not by copy and paste (README step 4)."
  else
    hint photo-delivered "No message in bob's mailbox carries the photo. Build it with ../../bin/mime build ... --attach crepe.jpg > crepe.eml, then in mailcat, after DATA and its 354, type :send crepe.eml (README step 4)."
  fi
}

check_photo_extracted() {
  local f found=0 other=''
  if [ ! -f "$photo" ]; then
    hint photo-extracted "There is no $(rel "$photo") to compare with (README step 4)."
    return
  fi
  if [ ! -d "$extracted" ]; then
    hint photo-extracted "There is no folder $(rel "$extracted")/. Take the delivered message apart with ../../bin/mime extract -d extracted lab-mail/bob/new/NAME (README step 4)."
    return
  fi
  while IFS= read -r -d '' f; do
    if cmp -s "$f" "$photo"; then found=1; break; fi
    case $f in *.jpg|*.jpeg|*.JPG) other=$f ;; esac
  done < <(find "$extracted" -type f -print0)
  if [ "$found" = 1 ]; then
    pass photo-extracted "$(rel "$f") is byte for byte crepe.jpg"
  elif [ -n "$other" ]; then
    hint photo-extracted "$(rel "$other") is not the same as crepe.jpg (compare with sha256sum): extract it from the message the server delivered to bob, sent with :send (README step 4)."
  else
    hint photo-extracted "$(rel "$extracted")/ holds no copy of crepe.jpg. Run ../../bin/mime extract -d extracted on the message with the photo in lab-mail/bob/new/ (README step 4)."
  fi
}

# --- step: the strict 7-bit server took the encoded text --------------------------

check_strict_7bit() {
  local f cte plain=0
  for f in "${MESSAGES7[@]}"; do
    cte=$(lower "$(header_of "$f" Content-Transfer-Encoding)")
    case $cte in
      quoted-printable*|base64*)
        pass strict-7bit "$(rel "$f") arrived encoded ($cte)"
        return ;;
    esac
    plain=$((plain + 1))
  done
  if [ ! -d "$mail7" ]; then
    hint strict-7bit "There is no mail root $(rel "$mail7")/. Start the second server from the lab directory: ../../bin/smtpd -d hamburger.edu -m lab-mail-7bit -v -p 2526 --strict-7bit (README step 6)."
  elif [ "$plain" -gt 0 ]; then
    hint strict-7bit "The --strict-7bit server stored $plain message(s), but none encoded. Build \"Prueba de interacción\" with mime build (it becomes quoted-printable) and send it to port 2526 with :send (README step 6)."
  else
    hint strict-7bit "The --strict-7bit server has stored nothing yet. Its 554 to the raw text is expected; now build the same text with mime build and send that file to port 2526 with :send (README step 6)."
  fi
}

# --- the answers: a judge per question (check_answer is in lib/check.bash) ------

judge_received() {
  [[ $(lower "$1") == *received* ]] && return 0
  echo "you wrote \"$(shown "$1")\"; carol is in no line you typed. Which trace line did the server add on top, with \"for <carol@hamburger.edu>\" in it?"
  return 1
}

judge_no() {
  case $(lower "$1") in
    no|no[!a-z]*|n|nope*|none*|never*|nunca*|ning*|nada*|nothing*) return 0 ;;
  esac
  echo "you wrote \"$(shown "$1")\"; open bob's copy and look for dave in every line of it, the server's trace lines too"
  return 1
}

judge_rcpt() {
  [[ $(lower "$1") == *rcpt* ]] && return 0
  echo "dave is in no header line at all: which SMTP command named him?"
  return 1
}

judge_image_jpeg() {
  local a
  a=$(lower "$1"); a=${a// /}
  [[ $a == *image/jpeg* ]] && return 0
  if [[ $a == *jpeg* || $a == *jpg* ]]; then
    echo "write it as the Content-Type line has it: type/subtype"
  else
    echo "you wrote \"$(shown "$1")\"; copy the Content-Type of the photo's part (mime show crepe.eml, or the part's header in the file)"
  fi
  return 1
}

judge_base64() {
  local a
  a=$(lower "$1"); a=${a//[ _-]/}
  [[ $a == *base64* ]] && return 0
  echo "you wrote \"$(shown "$1")\"; copy the Content-Transfer-Encoding line of the photo's part"
  return 1
}

# judge_growth - the Base64 text is about 4/3 of the photo: a ratio of 1.30
# to 1.40 (the line ends add a little), written as a number ("1.33", "1,35"),
# a fraction ("4/3", "4096/3071"), a percentage ("133%", "33% more"), or "a
# third more" in words. Any one of the numbers in the answer may be it.
judge_growth() {
  local a
  a=$(lower "$1")
  [[ $a == *tercio* || $a == *third* ]] && return 0
  if printf '%s\n' "$a" | awk '
    {
      s = $0
      # a decimal comma between digits is a decimal point
      while (match(s, /[0-9],[0-9]/)) s = substr(s, 1, RSTART) "." substr(s, RSTART + 2)
      while (match(s, /[0-9]+(\.[0-9]+)?[ \t]*(\/[ \t]*[0-9]+(\.[0-9]+)?|%)?/)) {
        t = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
        if (t ~ /%/) { sub(/[ \t]*%/, "", t); n = t + 0; if ((n >= 30 && n <= 40) || (n >= 130 && n <= 140)) ok = 1 }
        else if (t ~ /\//) { split(t, f, "/"); if (f[2] + 0 > 0) { n = (f[1] + 0) / (f[2] + 0); if (n >= 1.30 && n <= 1.40) ok = 1 } }
        else { n = t + 0; if (n >= 1.30 && n <= 1.40) ok = 1 }
      }
    }
    END { exit !ok }'; then
    return 0
  fi
  echo "you wrote \"$(shown "$1")\"; divide the number of Base64 characters (b64 -w 0 crepe.jpg | wc -c) by the photo's size in bytes (ls -l crepe.jpg)"
  return 1
}

judge_checksum() {
  local a want
  [ -f "$photo" ] || { echo "there is no $(rel "$photo") to compare with"; return 1; }
  want=$(sha256 "$photo")
  a=$(lower "$1")
  [[ $a =~ ([0-9a-f]{64}) ]] || {
    echo "paste the 64 hexadecimal digits sha256sum printed for the extracted photo"
    return 1
  }
  [ "${BASH_REMATCH[1]}" = "$want" ] && return 0
  echo "that is not the SHA-256 of crepe.jpg: run sha256sum crepe.jpg extracted/crepe.jpg and paste the line of the extracted copy"
  return 1
}

judge_hi() {
  local a
  a=${1//[[:space:]]/}
  [ "$a" = "SGk=" ] && return 0
  if [ "$a" = SGk ]; then
    echo "3 characters carry 18 bits, and \"Hi\" has 16; Base64 always writes groups of 4 characters: what fills the 4th?"
  elif [ "$(lower "$a")" = sgk= ]; then
    echo "Base64 tells capitals from small letters: each one is another 6-bit value. Check the case with b64 --explain Hi"
  else
    echo "you wrote \"$(shown "$1")\"; write H and i as 8 bits each, cut the 16 bits into 6-bit groups, and check with ../../bin/b64 --explain Hi"
  fi
  return 1
}

judge_two() {
  local a
  a=$(lower "$1")
  [[ $a =~ (^|[^0-9])2([^0-9]|$) || $a == *==* || $a == dos* || $a == two* ]] && return 0
  echo "you wrote \"$(shown "$1")\"; one byte is 8 bits: how many Base64 characters does it need, and how many of the group of 4 are left? Check with ../../bin/b64 --explain H"
  return 1
}

judge_554() {
  local code
  code=$(first_code "$1")
  [ "$code" = 554 ] && return 0
  if [ -z "$code" ]; then
    echo "write the three-digit reply code the --strict-7bit server sent after the lone dot"
  else
    echo "$code is not the code the --strict-7bit server sent for the raw text; send it again to port 2526 and read the reply after the dot"
  fi
  return 1
}

judge_qp() {
  local a
  a=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
  [[ $a == *=C3=B3* ]] && return 0
  if [[ ${a// /} == *C3B3* ]]; then
    echo "write the two bytes exactly as they are in the message: each one with an = in front"
  else
    echo "you wrote \"$(shown "$1")\"; find the word interacci... in the body of the message mime build wrote, and copy what stands for the ó"
  fi
  return 1
}

judge_8bitmime() {
  local a
  a=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]'); a=${a//[ _-]/}
  [[ $a == *8BITMIME* ]] && return 0
  echo "you wrote \"$(shown "$1")\"; type EHLO crepes.fr to both servers and compare the 250- lines"
  return 1
}

# --- run the steps ------------------------------------------------------------

check_envelope
check_blind_copy
check_photo_delivered
check_photo_extracted
check_strict_7bit
check_answer 1 answer-1-trace-line "which line of carol's file names carol" 2 judge_received
check_answer 2 answer-2-bob-sees-dave "does bob's copy show that dave got the message?" 3 judge_no
check_answer 3 answer-3-blind-envelope "which SMTP command is all dave's blind copy needs" 3 judge_rcpt
check_answer 4 answer-4-content-type "the Content-Type of the photo's part" 4 judge_image_jpeg
check_answer 5 answer-5-transfer-encoding "the Content-Transfer-Encoding of the photo's part" 4 judge_base64
check_answer 6 answer-6-growth "how many times the photo's size its Base64 text is" 4 judge_growth
check_answer 7 answer-7-checksum "the SHA-256 of the extracted photo" 4 judge_checksum
check_answer 8 answer-8-base64-hi "\"Hi\" in Base64, worked out on paper" 5 judge_hi
check_answer 9 answer-9-padding "how many = a one-byte text such as \"H\" gets" 5 judge_two
check_answer 10 answer-10-raw-8bit "the reply code of the --strict-7bit server to the raw text" 6 judge_554
check_answer 11 answer-11-quoted-printable "what mime build wrote for the ó of interacción" 6 judge_qp
check_answer 12 answer-12-missing-extension "the EHLO extension the --strict-7bit server does not offer" 6 judge_8bitmime

# --- report: its status is the script's -------------------------------------------

check_report 02-mime "Lab 02 - Message format and MIME"
