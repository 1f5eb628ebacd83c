#!/usr/bin/env bash
# docs_dockerfile.sh DOC.md PROGRAM SANITIZE: the Dockerfile in DOC.md (docs/service-mode.md)
# installs every library PROGRAM (baton-demo) needs: each shared library in PROGRAM's NEEDED list
# must come from a Debian package that the Dockerfile's `apt-get install` line installs, directly
# or through the packages' dependencies (apt-cache depends --recurse). Without it the container
# fails at start ("error while loading shared libraries").
# Exit 77 (skipped) off Debian, on another release than the Dockerfile's FROM names, without
# dpkg / apt-cache / readelf, or for a sanitizer build (which links the sanitizer runtimes).
set -uo pipefail
doc="$1" prog="$2" sanitize="$3"

skip() {
  echo "docs_dockerfile: $*: skipped"
  exit 77
}
fail() {
  echo "docs_dockerfile: FAILED: $*" >&2
  exit 1
}

[ "$sanitize" = 1 ] && skip "a sanitizer build links libasan and libubsan, which the image does not ship"
for tool in dpkg apt-cache readelf ldd; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done

dockerfile="$(awk '/^```dockerfile$/ {f = 1; next} /^```$/ {if (f) exit} f' "$doc")"
[ -n "$dockerfile" ] || fail "no \`\`\`dockerfile block in $doc"
from="$(echo "$dockerfile" | awk '$1 == "FROM" {print $2; exit}')"
codename="$(echo "$from" | sed -n 's/^debian:\([a-z]*\).*/\1/p')"
[ -n "$codename" ] || fail "the Dockerfile's FROM ($from) is not debian:<release>"
here="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
[ "$here" = "$codename" ] || skip "this machine is Debian '${here:-?}', the Dockerfile's image is $codename"

# The packages of the RUN apt-get install line (continued with backslashes), up to the next &&.
packages="$(echo "$dockerfile" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | grep 'apt-get install' |
            sed -e 's/.*apt-get install//' -e 's/&&.*//' | tr ' ' '\n' | grep -v '^-' | grep -v '^$')"
[ -n "$packages" ] || fail "no apt-get install packages in the Dockerfile of $doc"
# shellcheck disable=SC2086
closure="$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
           --no-replaces --no-enhances $packages 2>&1 | grep -v '^ ' | sort -u)" ||
  fail "apt-cache depends $packages"
for p in $packages; do
  echo "$closure" | grep -qx "$p" || fail "the Dockerfile installs '$p', which apt does not know"
done

needed="$(readelf -d "$prog" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
[ -n "$needed" ] || fail "readelf found no NEEDED libraries in $prog"
missing=0
for lib in $needed; do
  # the file the dynamic linker loads, and the package that owns it (under either name that
  # the /usr merge gives it)
  path="$(ldd "$prog" | awk -v l="$lib" '$1 == l && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 ~ l {print $1}' |
          head -1)"
  pkg=""
  for f in "$path" "$(readlink -f "$path")" "${path#/usr}" "/usr$path"; do
    [ -n "$f" ] && [ -z "$pkg" ] && pkg="$(dpkg -S "$f" 2>/dev/null | head -1 | cut -d: -f1)"
  done
  if [ -z "$pkg" ]; then
    echo "docs_dockerfile: $lib (needed by $(basename "$prog")) is from no Debian package" >&2
    missing=1
  elif ! echo "$closure" | grep -qx "$pkg"; then
    echo "docs_dockerfile: $lib (needed by $(basename "$prog")) is in package $pkg, which the" \
         "Dockerfile of $doc does not install" >&2
    missing=1
  else
    echo "docs_dockerfile: $lib: $pkg, installed"
  fi
done
[ "$missing" = 0 ] || fail "the image would not start $(basename "$prog")"
echo "docs_dockerfile: every library $(basename "$prog") needs is installed by the Dockerfile of $doc"
