#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# clang-format (.clang-format: Google style, 100 columns) over every C and C++
# file git tracks.
#   scripts/format.sh          rewrite the files in place
#   scripts/format.sh --check  change nothing; list what is not formatted, exit 1 if any
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp')
if [ "${1:-}" = "--check" ]; then
  if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
    printf '%s\n' "$out" | grep -o '^[^: ]*:[0-9]*:[0-9]*: ' | cut -d: -f1 | sort -u |
      sed 's/^/not clang-formatted: /' >&2
    echo "run scripts/format.sh to fix" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files clang-formatted"
else
  clang-format -i "${files[@]}"
fi
