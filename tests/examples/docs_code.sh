#!/usr/bin/env bash
# docs_code.sh SRC_DIR BUILD_DIR WORK_DIR DOC_BLOCKS CC SANITIZE DOC.md...
#
# The documentation's code, checked the way a connector author meets it: against an *installed*
# libbaton, not the build tree.
#  1. cmake --install BUILD_DIR into WORK_DIR/prefix;
#  2. doc_blocks pulls the marked blocks out of each DOC.md (see tests/examples/doc_blocks.c);
#  3. every `compile: program` block is compiled and linked with
#     cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags --libs libbaton) and run as a
#     connector (-f X.c1z: it must sync); every `compile: fragment` block is compiled (-c) the
#     same way; every file a `snippet:` marker names is compiled and linked the same way;
#  4. every `run:` sh block is run by `bash -e -o pipefail` with HOME a scratch directory, in
#     WORK_DIR/tree (the libbaton tree: a link to each top-level directory of SRC_DIR, and `build`
#     linking to BUILD_DIR) or in the $HOME/... directory the marker names.
# Exit 0 when all pass, 1 when any fails (each failure names its doc line), 77 when a prerequisite (a C
# compiler, pkg-config, cmake) is missing.
set -uo pipefail
src="$1" build="$2" work="$3" doc_blocks="$4" cc="$5" sanitize="$6"
shift 6

for tool in "$cc" pkg-config cmake bash; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "docs_code: $tool not found: skipped"
    exit 77
  fi
done

failures=0
fail() { # fatal: the set-up
  echo "docs_code: FAILED: $*" >&2
  exit 1
}
bad() { # one block: say so and go on with the others
  echo "docs_code: FAILED: $*" >&2
  failures=$((failures + 1))
}

rm -rf "$work"
mkdir -p "$work/blocks" "$work/bin" "$work/home" "$work/tree" || fail "cannot make $work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" 2>&1 ||
  fail "cmake --install $build: $(tail -5 "$work/install.log")"

pcdir="$(echo "$work"/prefix/lib*/pkgconfig "$work"/prefix/lib/*/pkgconfig | tr ' ' '\n' |
         while read -r d; do [ -d "$d" ] && echo "$d"; done | head -1)"
export PKG_CONFIG_PATH="$pcdir"
flags="$(pkg-config --cflags --libs libbaton jansson)" || fail "pkg-config libbaton under $pcdir"
pc_cflags="$(pkg-config --cflags libbaton jansson)"
libdir="$(pkg-config --variable=libdir libbaton)"
san=()
if [ "$sanitize" = 1 ]; then
  san=(-fsanitize=address,undefined -fno-omit-frame-pointer)
  export CFLAGS="${san[*]}" LDFLAGS="${san[*]}" # for the CMake projects the run blocks build
fi
cflags=(-std=c11 -Wall -Wextra -Werror "${san[@]}")

"$doc_blocks" "$work/blocks" "$@" >"$work/manifest" || fail "doc_blocks (above)"

# The libbaton tree, as the docs' commands expect it, with the build where they say it is: its
# directories (examples/, docs/, ...) only, so that files the commands write (sync.c1z) land here
# and never replace or write through a file of the real tree.
for entry in "$src"/*/; do
  name="$(basename "$entry")"
  case "$name" in build | build-*) continue ;; esac
  ln -s "$src/$name" "$work/tree/$name"
done
ln -s "$build" "$work/tree/build"

declare -A snippet_done=()
last_page="" last_dir=""
n_prog=0 n_frag=0 n_snip=0 n_run=0
while IFS=$'\t' read -r kind file where arg; do
  case "$kind" in
  program)
    exe="${file%.c}"
    # shellcheck disable=SC2086 # $flags is pkg-config's word list
    "$cc" "${cflags[@]}" "$file" -o "$exe" $flags -Wl,-rpath,"$libdir" 2>"$work/cc.log" ||
      { bad "$where: the program does not compile against the installed headers:
$(cat "$work/cc.log")"; continue; }
    (cd "$work" && "$exe" -f "$exe.c1z" --log-level error) >"$work/run.log" 2>&1 ||
      { bad "$where: the program built but its sync failed: $(cat "$work/run.log")"; continue; }
    [ -s "$exe.c1z" ] || { bad "$where: the program wrote no $exe.c1z"; continue; }
    n_prog=$((n_prog + 1))
    ;;
  fragment)
    # shellcheck disable=SC2086
    "$cc" "${cflags[@]}" -Wno-unused-function -Wno-unused-const-variable -c "$file" -o "${file%.c}.o" \
      $pc_cflags 2>"$work/cc.log" || { bad "$where: the fragment does not compile:
$(cat "$work/cc.log")"; continue; }
    n_frag=$((n_frag + 1))
    ;;
  snippet)
    if [ -z "${snippet_done[$arg]:-}" ]; then
      snippet_done[$arg]=1
      exe="$work/bin/$(echo "$arg" | tr '/.' '__')"
      # shellcheck disable=SC2086
      "$cc" "${cflags[@]}" "$src/$arg" -o "$exe" $flags -Wl,-rpath,"$libdir" 2>"$work/cc.log" ||
        { bad "$arg (shown in $where) does not compile against the installed headers:
$(cat "$work/cc.log")"; continue; }
      n_snip=$((n_snip + 1))
    fi
    ;;
  run)
    case "$arg" in
    tree) dir="$work/tree" ;;
    "~/"*) dir="$work/home/${arg#\~/}" ;;
    *) bad "$where: run marker '$arg': use tree or ~/DIR"; continue ;;
    esac
    [ -d "$dir" ] || { bad "$where: the block runs in $arg, which the blocks before it did not make"; continue; }
    # A reader types the blocks of a page in order: a block meant for ~/DIR must cd there itself
    # unless the block before it on the page left the reader there (the libbaton tree is named
    # in the text wherever a block runs in it).
    page="${where%:*}"
    if [ "$arg" != tree ] && [ "$(head -1 "$file")" != "cd $arg" ] &&
       { [ "$page" != "$last_page" ] || [ "$last_dir" != "$(cd "$dir" && pwd -P)" ]; }; then
      bad "$where: the block runs in $arg, but the reader is elsewhere after the block before it: start it with 'cd $arg'"
    fi
    echo "== $where (in $arg)"
    sed 's/^/   /' "$file"
    # -x: the log shows each command (+ line) before what it printed; the trailer notes where the
    # block leaves the reader
    (cd "$dir" && HOME="$work/home" bash -e -o pipefail -x -c "$(cat "$file")
pwd -P >'$work/last_dir'") >"$work/run.log" 2>&1 ||
      { bad "$where: the commands failed (in $arg); the end of their output:
$(tail -15 "$work/run.log")"; continue; }
    last_page="$page" last_dir="$(cat "$work/last_dir")"
    n_run=$((n_run + 1))
    ;;
  esac
done <"$work/manifest"

echo "docs_code: $n_prog programs built and synced, $n_frag fragments compiled, $n_snip snippet" \
     "sources built, $n_run command blocks run, against the install in $work/prefix"
[ $((n_prog + n_frag + n_snip + n_run)) -gt 0 ] || fail "no marked blocks in $*"
if [ "$failures" -gt 0 ]; then
  echo "docs_code: $failures blocks FAILED (above)"
  exit 1
fi
