#!/usr/bin/env bash
# Release build and the full native ctest suite.
set -euo pipefail
cmake --preset release >/dev/null
cmake --build --preset release -j2
ctest --preset release
