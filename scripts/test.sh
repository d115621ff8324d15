#!/usr/bin/env bash
# The whole test suite: installs the packages, then runs every stage in scripts/stages/ in order
# (release build + ctest, sanitizers, Arm under qemu, fuzzing, ...). Fails on the first failing
# stage. Usage: scripts/test.sh [stage-name-substring...]
set -euo pipefail
cd "$(dirname "$0")/.."
export QK_REQUIRE_SHARED="${QK_REQUIRE_SHARED:-$([ -d ../shared ] && echo 1 || echo 0)}"
bash scripts/setup-deps.sh --arm
start=$(date +%s)
for stage in scripts/stages/*.sh; do
  name=$(basename "$stage" .sh)
  if [ "$#" -gt 0 ]; then
    match=0
    for want in "$@"; do case "$name" in *"$want"*) match=1 ;; esac; done
    [ "$match" = 1 ] || continue
  fi
  echo "=== stage $name ($(( $(date +%s) - start ))s elapsed)"
  t0=$(date +%s)
  bash "$stage"
  echo "=== stage $name passed in $(( $(date +%s) - t0 ))s"
done
echo "=== all stages passed in $(( $(date +%s) - start ))s"
