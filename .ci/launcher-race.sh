#!/usr/bin/env bash
# launcher-race.sh - two ./resetguard launches at once after a source change must both work.
#
# Copies the committed tree (git archive HEAD) to a temporary directory, then:
#   1. starts two `./resetguard --version` at once on the fresh copy (both must build or wait, and
#      print the version; exactly one builds);
#   2. touches a core source and does it again (a rebuild raced by two launches);
#   3. checks that the launch copy of the jar exists and nothing half-written is left beside it.
# It builds core and cli twice with Maven (a few minutes on a 2-core machine), which is why it is a
# script and not part of `mvn verify`. Exit 0 on success; prints what failed otherwise.
#
#   .ci/launcher-race.sh            # from the project root
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/rg-launcher-race.XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$root" && git archive HEAD) | tar -x -C "$work"
expected="resetguard $(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$work/pom.xml" | head -1)"

race() { # race ROUND: two launches at once; both must print the version
  local round="$1"
  (cd "$work" && ./resetguard --version >"$work/out.$round.a" 2>"$work/err.$round.a"; echo $? >"$work/rc.$round.a") &
  local a=$!
  (cd "$work" && ./resetguard --version >"$work/out.$round.b" 2>"$work/err.$round.b"; echo $? >"$work/rc.$round.b") &
  local b=$!
  wait "$a" "$b"
  for who in a b; do
    if [ "$(cat "$work/rc.$round.$who")" != 0 ] || [ "$(cat "$work/out.$round.$who")" != "$expected" ]; then
      echo "FAIL round $round launch $who: exit $(cat "$work/rc.$round.$who"), out '$(cat "$work/out.$round.$who")'" >&2
      cat "$work/err.$round.$who" >&2
      exit 1
    fi
    if grep -q $'\x1b' "$work/err.$round.$who"; then
      echo "FAIL round $round launch $who: terminal escape codes in the build output" >&2
      exit 1
    fi
  done
  local builds
  builds="$(cat "$work/err.$round.a" "$work/err.$round.b" | grep -c '^resetguard: building' || true)"
  if [ "$builds" != 1 ]; then
    echo "FAIL round $round: $builds builds, expected exactly 1 (the second launch must reuse the first's)" >&2
    exit 1
  fi
  echo "round $round: both launches printed '$expected', one build"
}

race 1
sleep 1
touch "$work/core/src/main/java/io/resetguard/errno/Errno.java"
race 2
leftovers="$(find "$work/target/launcher" -name '*.tmp.*' -o -name 'build-start.*')"
[ -f "$work/target/launcher/resetguard.jar" ] || { echo "FAIL: target/launcher/resetguard.jar is missing" >&2; exit 1; }
[ -z "$leftovers" ] || { echo "FAIL: leftovers: $leftovers" >&2; exit 1; }
echo "PASS"
