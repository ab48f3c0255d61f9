# shellcheck shell=bash
# reset.bash - what every lab's reset.sh shares. A reset.sh runs under
# "set -euo pipefail", sources this file (which sets script_dir, the lab's
# folder) and then:
#
#   reset_options "$@"          sets lab and keep_answers, or exits 64
#   reset_remove PATH...        removes the student's work, and says so
#
# Sourced, never run: it defines functions and script_dir.

# script_dir: the folder of the script that sources this file (the lab's).
script_dir=$(cd "$(dirname "${BASH_SOURCE[-1]}")" && pwd)

# reset_options ARGS... - reads reset.sh's command line:
#   [--keep-answers] [LAB_DIR]
# and sets keep_answers (1 with --keep-answers) and lab (LAB_DIR, else
# $LAB_DIR, else $script_dir). --help prints the script's header and exits
# 0; a bad option or a missing folder exits 64.
reset_options() {
  keep_answers=0
  lab=${LAB_DIR:-$script_dir}
  while [ $# -gt 0 ]; do
    case $1 in
      --keep-answers) keep_answers=1; shift ;;
      -h|--help) reset_help; exit 0 ;;
      -*) echo "reset.sh: unknown option $1" >&2; exit 64 ;;
      *) lab=$1; shift ;;
    esac
  done
  [ -d "$lab" ] || { echo "reset.sh: no lab directory $lab" >&2; exit 64; }
}

# reset_help - the comment at the top of the script, for --help.
reset_help() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[-1]}"
}

# reset_remove PATH... - removes each PATH that exists, files and folders
# alike, and LAB/answers.txt last unless --keep-answers; prints "removed
# PATH" for each. A glob that matched nothing stays as it is written, names
# no file, and is passed over.
reset_remove() {
  local t
  [ "$keep_answers" = 1 ] || set -- "$@" "$lab/answers.txt"
  for t in "$@"; do
    if [ -e "$t" ]; then
      rm -rf -- "$t"
      echo "removed $t"
    fi
  done
}
