#!/usr/bin/env bash
# Runs every fuzz target for a short time (default 5s each): CI's guard that
# the decoders and parsers still survive hostile input.
set -euo pipefail
cd "$(dirname "$0")/.."
t="${1:-5s}"
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg="./$(dirname "${f#./}")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r name; do
    echo "fuzz $pkg $name ($t)"
    if ! out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg" 2>&1); then
      echo "$out"
      exit 1
    fi
  done
done
