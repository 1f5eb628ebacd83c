#!/usr/bin/env bash
# Quick start, command 1: install what is needed, build, and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
echo
./build/bin/baton --version
echo "built programs in build/bin:"
find build/bin -maxdepth 1 -type f -perm -u+x -printf '  %f\n' | sort
