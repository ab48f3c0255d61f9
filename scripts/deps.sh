#!/usr/bin/env bash
# deps.sh - install what Cartero needs, when it is missing, with apt-get.
#
#   scripts/deps.sh build     compiler, OpenSSL and readline headers, libcrypt
#   scripts/deps.sh test      the above, plus bats with bats-support and bats-assert
#   scripts/deps.sh interop   the above, plus the real clients the interop tests
#                             drive (swaks, curl, fetchmail, ...): CI uses this
#
# It says what it installs and why; it uses sudo when not run as root.
set -euo pipefail

level=${1:-build}

# "package:file that shows it is installed"
build_pkgs=(
  "gcc:/usr/bin/gcc"
  "make:/usr/bin/make"
  "libssl-dev:/usr/include/openssl/ssl.h"
  "libreadline-dev:/usr/include/readline/readline.h"
  "libcrypt-dev:/usr/include/crypt.h"
  "openssl:/usr/bin/openssl"
)
test_pkgs=(
  "bats:/usr/bin/bats"
  "bats-support:/usr/lib/bats/bats-support/load.bash"
  "bats-assert:/usr/lib/bats/bats-assert/load.bash"
  "python3:python3"
  "tmux:/usr/bin/tmux"
  "mpack:/usr/bin/munpack"
)
interop_pkgs=(
  "swaks:/usr/bin/swaks"
  "curl:/usr/bin/curl"
  "fetchmail:/usr/bin/fetchmail"
  "netcat-openbsd:/usr/bin/nc.openbsd"
  "expect:/usr/bin/expect"
  "mutt:/usr/bin/mutt"
  "postfix:/usr/sbin/postfix"
)

wanted=("${build_pkgs[@]}")
case "$level" in
  build) ;;
  test) wanted+=("${test_pkgs[@]}") ;;
  interop) wanted+=("${test_pkgs[@]}" "${interop_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|interop" >&2; exit 64 ;;
esac

missing=()
for entry in "${wanted[@]}"; do
  pkg=${entry%%:*} file=${entry#*:}
  # An entry names a file to look for, or a command to find on PATH.
  if [[ $file == /* ]]; then [ -e "$file" ] && continue
  else command -v "$file" >/dev/null 2>&1 && continue; fi
  missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: this is not a Debian or Ubuntu system; install them with your package manager." >&2
  exit 69
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "deps: missing packages: ${missing[*]}, and no sudo to install them; ask an administrator." >&2
    exit 77
  fi
  sudo=(sudo)
fi

echo "deps: installing missing packages with apt-get: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix is only a peer for the interop tests, which run private instances:
# "No configuration" keeps the package from setting up and starting a
# system mail server.
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  echo "postfix postfix/main_mailer_type select No configuration" | "${sudo[@]}" debconf-set-selections
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${missing[*]}"
