#!/usr/bin/env bash
# Quick start, command 1: install what is needed, build, and run the main job: sync the demo
# connector (examples/demo) into ./sync.c1z and show what it holds with the baton tool.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
echo

if [ ! -x build/bin/baton-demo ]; then
  # Only while the SDK's sync engine is not in the tree (examples/demo/CMakeLists.txt says so).
  echo "build/bin/baton-demo was not built (the sync engine is missing); nothing to sync" >&2
  ./build/bin/baton --version
  exit 1
fi

run() {
  echo "\$ $*"
  "$@"
  echo
}

run ./build/bin/baton-demo -f sync.c1z
run ./build/bin/baton -f sync.c1z stats
run ./build/bin/baton -f sync.c1z resource-types
run ./build/bin/baton -f sync.c1z resources -t project
run ./build/bin/baton -f sync.c1z access -t user -r u0004
echo "sync.c1z holds the demo company; look around with ./build/bin/baton -f sync.c1z --help"
