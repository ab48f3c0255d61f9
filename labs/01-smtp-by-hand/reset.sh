#!/usr/bin/env bash
# reset.sh - removes a student's work from lab 01, for graders and for
# starting over: the mail root lab-mail/ and answers.txt. Nothing else.
#
# usage: reset.sh [--keep-answers] [LAB_DIR]
#   LAB_DIR  the lab directory (default: $LAB_DIR, or the directory of this script)
set -euo pipefail

# The code every lab shares is in labs/lib/, beside this folder (a copy of
# this folder made elsewhere finds it through $CARTERO_ROOT); it also sets
# script_dir, this folder.
lib=$(dirname "${BASH_SOURCE[0]}")/../lib; [ -d "$lib" ] || lib=${CARTERO_ROOT:-.}/labs/lib
# shellcheck source=SCRIPTDIR/../lib/reset.bash disable=SC1091
. "$lib/reset.bash" || exit 70

reset_options "$@"   # sets lab and keep_answers
reset_remove "$lab/lab-mail"
