#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Puts an SPDX license identifier at the top of every tracked source file:
# "// SPDX-License-Identifier: Apache-2.0" in C, C++ and protobuf files, the
# "#" form in Python, shell and CMake files (after a shebang line, and after
# a Python coding line). Files that have one are left as they are, so running
# it again changes nothing.
#   scripts/spdx.sh           add the line where it is missing
#   scripts/spdx.sh --check   list the files without it, exit 1 if any (a test)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
license=Apache-2.0
tag="SPDX-License-Identifier: $license"

# The first three lines of the file in `head3` (bash builtins only: the check
# reads every source file and runs as a test).
read_head() {
  head3=()
  mapfile -n 3 -t head3 <"$1" || true
}

# The comment style of a file in `comment`, empty when it is not a source file.
style() {
  comment=
  case "$1" in
    *.c | *.h | *.cpp | *.hpp | *.cpp.in | *.proto) comment="//" ;;
    *.py | *.sh | *.cmake | */CMakeLists.txt | CMakeLists.txt) comment="#" ;;
    packaging/bash-completion/*) comment="#" ;;
    *)
      # Scripts without an extension (maintainer scripts, .ci/run).
      case "${1##*/}" in *.*) return ;; esac
      if [[ ${head3[0]:-} == '#!'* ]]; then comment="#"; fi
      ;;
  esac
}

# The line number the identifier goes on: after a shebang and a coding line.
insert_at() {
  local line=1
  if [[ ${head3[0]:-} == '#!'* ]]; then line=2; fi
  if [[ ${head3[line - 1]:-} =~ ^#.*coding[:=] ]]; then line=$((line + 1)); fi
  echo "$line"
}

has_tag() {
  local l
  for l in "${head3[@]}"; do
    if [[ $l == "// SPDX-License-Identifier: "* || $l == "# SPDX-License-Identifier: "* ]]; then
      return 0
    fi
  done
  return 1
}

# All in one function, read whole before it runs: the script adds the line to
# itself too, and bash reads a running script from the file as it goes.
main() {
  check=0
  if [ "${1:-}" = "--check" ]; then check=1; fi
  missing=0
  total=0
  while IFS= read -r file; do
    [ -f "$file" ] || continue
    read_head "$file"
    style "$file"
    [ -n "$comment" ] || continue
    total=$((total + 1))
    has_tag && continue
    if [ "$check" = 1 ]; then
      echo "no SPDX license identifier: $file" >&2
      missing=$((missing + 1))
      continue
    fi
    at=$(insert_at "$file")
    tmp=$(mktemp)
    {
      head -n $((at - 1)) "$file"
      echo "$comment $tag"
      tail -n +"$at" "$file"
    } >"$tmp"
    # Keep the mode (scripts stay executable).
    cat "$tmp" >"$file"
    rm -f "$tmp"
    echo "spdx: $file"
  done < <(git ls-files)

  if [ "$check" = 1 ]; then
    if [ "$missing" -gt 0 ]; then
      echo "$missing of $total source files lack \"$tag\"; run scripts/spdx.sh" >&2
      exit 1
    fi
    echo "spdx: $total source files carry \"$tag\""
  fi
}
main "$@"; exit
