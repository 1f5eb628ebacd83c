#!/usr/bin/env bash
# docs_flags.sh SRC_DIR WORK_DIR PROGRAM...: every --flag the connector pages show is accepted by
# one of the connector PROGRAMs (baton-demo for the SDK's flags; baton-file, baton-unix,
# baton-ldap, baton-hr, tutorial-step3 for their own), unless it is listed below as another
# program's (cmake, pkg-config, apt, systemd, docker, bench/run.sh) or as a placeholder of the text.
# A flag is probed as `PROGRAM --flag=1 --help` in WORK_DIR: a program that does not know it says
# `unknown flag: --flag`. Exits 1 naming each page and flag no program knows.
set -uo pipefail
src="$1" work="$2"
shift 2
progs=("$@")

# Pages that show connector flags (baton-tool.md is the baton tool's; its flags are compared with
# the Go tool's by the interop tests).
pages=(README.md docs/command-line.md docs/configuration.md docs/provisioning.md docs/service-mode.md
       docs/parity.md docs/tutorial.md docs/first-connector.md docs/http.md examples/template/README.md
       examples/demo/README.md)
for p in "$src"/docs/callbacks/*.md; do pages+=("docs/callbacks/$(basename "$p")"); done

# Not connector flags: other programs' (cmake --build/--install/--prefix; pkg-config; bench/run.sh;
# apt-get; systemctl; docker run; the health-check subcommand's own --endpoint/--timeout) and the
# text's placeholders (command-line.md's --name, --bool, --tags, --x, --flag as the
# example of a field; configuration.md's sample field --base-url).
others=" --build --install --prefix --cflags --libs --static --variable --quick --large
 --no-install-recommends --now --restart --name --endpoint --timeout
 --bool --tags --x --flag --base-url "
others=" $(echo $others) " # one space between, and around

rm -rf "$work" && mkdir -p "$work" || exit 1
declare -A known=()
bad=0 n=0
for page in "${pages[@]}"; do
  [ -f "$src/$page" ] || { echo "docs_flags: no page $page" >&2; bad=1; continue; }
  for flag in $(grep -o -- '--[a-z][a-z0-9-]*' "$src/$page" | sort -u); do
    case "$flag" in *-) continue ;; esac # a prefix in the text: --otel-*, --issue-credential-*
    [[ "$others" == *" $flag "* ]] && continue
    n=$((n + 1))
    if [ -z "${known[$flag]:-}" ]; then
      for prog in "${progs[@]}"; do
        err="$(cd "$work" && timeout 20 "$prog" "$flag=1" --help </dev/null 2>&1 >/dev/null)"
        if [[ "$err" != *"unknown flag: $flag"* ]]; then
          known[$flag]=1
          break
        fi
      done
      [ -n "${known[$flag]:-}" ] || known[$flag]=no
    fi
    if [ "${known[$flag]}" = no ]; then
      echo "docs_flags: $page shows $flag, which none of $(for p in "${progs[@]}"; do basename "$p"; done |
            tr '\n' ' ')accepts" >&2
      bad=1
    fi
  done
done
[ "$n" -gt 0 ] || { echo "docs_flags: no flags found" >&2; exit 1; }
[ "$bad" = 0 ] && echo "docs_flags: ${#known[@]} distinct flags of ${#pages[@]} pages, all accepted"
exit "$bad"
