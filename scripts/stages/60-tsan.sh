#!/usr/bin/env bash
# ThreadSanitizer: thread_safety_test (the dispatcher's first-use initialisation racing in a fresh
# process, concurrent packing and running on every supported ISA, a shared PackedOp, override
# flips, every op split over thread pools) and the shared models on 2 and 3 threads (model_test).
# Any race report fails the stage.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j2
ctest --preset tsan
