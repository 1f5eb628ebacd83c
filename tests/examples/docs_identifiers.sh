#!/usr/bin/env bash
# docs_identifiers.sh SRC_DIR: every libbaton identifier the documentation names still exists, so a
# renamed or removed function cannot leave a page pointing at it. Pages: README.md, BENCHMARKS.md,
# docs/**/*.md, examples/*/README.md, bench/README.md. An identifier `baton_x` (public) must be
# declared in include/, `baton__x` (internal) must be in src/ or tools/, and anything else
# `baton_*` may be a CMake target of the build (baton_static). Exits 1 naming each page and name.
set -uo pipefail
src="$1"
cd "$src" || exit 1

words() { grep -rhow 'baton_[a-z0-9_]*[a-z0-9]' "$@" 2>/dev/null | sort -u; }
public="$(words include)"
internal="$(words src tools)"
targets="$(grep -rhow 'baton_[a-z0-9_]*[a-z0-9]' --include=CMakeLists.txt --include='*.cmake' . 2>/dev/null |
           sort -u)"

pages=(README.md BENCHMARKS.md bench/README.md)
while IFS= read -r p; do pages+=("$p"); done < <(find docs examples -name '*.md' \( -path 'docs/*' -o -name README.md \) | sort)

bad=0 n=0
for page in "${pages[@]}"; do
  [ -f "$page" ] || continue
  for id in $(words "$page"); do
    n=$((n + 1))
    case "$id" in
    baton__*) grep -qx "$id" <<<"$internal" && continue ;;
    *) grep -qx "$id" <<<"$public" && continue ;;
    esac
    grep -qx "$id" <<<"$targets" && continue
    echo "docs_identifiers: $page names $id, which is not in include/ (public), src/ or tools/ (baton__), or the CMake files" >&2
    bad=1
  done
done
[ "$n" -gt 0 ] || { echo "docs_identifiers: no identifiers found under $src" >&2; exit 1; }
[ "$bad" = 0 ] && echo "docs_identifiers: the $n names the pages use all exist (${#pages[@]} pages)"
exit "$bad"
