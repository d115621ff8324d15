#!/usr/bin/env python3
"""The library's layering, checked over its #include lines (docs/ARCHITECTURE.md has the picture).

Arrows point down only:
  include/qkernels/ (public API) -> src/ (API implementation) -> dispatch/ -> kernels/, reference/
  -> core/ (the kernel ABI), with the public vocabulary headers (qkernels/isa.h, requantize.h,
  status.h, types.h) usable everywhere.
Within kernels/: an ISA folder includes its own files, its family's shared folder (kernels/x86/ for
avx2 and avx512vnni, kernels/arm/ for neon, neondot and i8mm), the ISA-agnostic drivers
(kernels/driver/) and core/, never another ISA folder. Intrinsics headers appear only in ISA and
family folders. The public headers name no internal:: type.

Usage: check_includes.py ROOT         exit 0 when every rule holds, 1 (and file:line: why) if not
       check_includes.py --self-test ROOT
                                       copies ROOT's library folders to a temporary directory,
                                       checks that the copy passes, then plants one bad include at
                                       a time and checks that each is reported.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

LIBRARY_DIRS = ["include", "core", "reference", "dispatch", "src", "kernels"]
SOURCE_SUFFIXES = (".h", ".hpp", ".cc", ".cpp", ".c")
VOCABULARY = ["qkernels/isa.h", "qkernels/requantize.h", "qkernels/status.h", "qkernels/types.h"]
FAMILIES = {"avx2": "x86", "avx512vnni": "x86", "neon": "arm", "neondot": "arm", "i8mm": "arm"}
SHARED_FOLDERS = sorted(set(FAMILIES.values()))
INTRINSICS = re.compile(r"^(\w*intrin\.h|arm_neon\.h|arm_sve\.h|arm_acle\.h)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(path):
    """The layer of a file (its path relative to the root, '/'-separated), or None if unchecked."""
    parts = path.split("/")
    if parts[0] == "include":
        return "public"
    if parts[0] in ("core", "reference", "dispatch", "src"):
        return parts[0]
    if parts[0] == "kernels" and len(parts) > 2:
        return "kernels/" + parts[1]
    return None


def allowed(layer):
    """(quoted include prefixes allowed, whether intrinsics headers are allowed) for a layer."""
    core = ["core/"] + VOCABULARY
    if layer == "public":
        return ["qkernels/"], False
    if layer == "core":
        return core, False
    if layer == "reference":
        return ["reference/", "core/", "qkernels/requantize.h"], False
    if layer == "dispatch":
        return ["dispatch/", "reference/"] + core, False
    if layer == "src":
        return ["src/", "dispatch/", "reference/", "core/", "qkernels/"], False
    folder = layer.split("/", 1)[1]
    if folder == "driver":
        return ["kernels/driver/"] + core, False
    if folder in SHARED_FOLDERS:
        return ["kernels/%s/" % folder, "kernels/driver/"] + core, True
    if folder in FAMILIES:
        return (["kernels/%s/" % folder, "kernels/%s/" % FAMILIES[folder], "kernels/driver/"] +
                core), True
    return None, False


def check_file(root, path, problems):
    layer = layer_of(path)
    if layer is None:
        return
    prefixes, intrinsics_ok = allowed(layer)
    if prefixes is None:
        problems.append("%s:1: kernels/%s/ is not a known folder: add the ISA to FAMILIES in "
                        "scripts/check_includes.py (and its family's shared folder)" %
                        (path, layer.split("/", 1)[1]))
        return
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines, 1):
        m = INCLUDE.match(line)
        if layer == "public" and re.search(r"\binternal::|\bnamespace\s+internal\b", line):
            problems.append("%s:%d: a public header names an internal type" % (path, number))
        if not m:
            continue
        kind, target = m.groups()
        if kind == "<":
            if INTRINSICS.match(os.path.basename(target)) and not intrinsics_ok:
                problems.append("%s:%d: %s may not include intrinsics <%s>" %
                                (path, number, layer, target))
            continue
        if not any(target == p or (p.endswith("/") and target.startswith(p)) for p in prefixes):
            problems.append('%s:%d: %s may not include "%s"' % (path, number, layer, target))


def check(root):
    problems = []
    for top in LIBRARY_DIRS:
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    full = os.path.join(directory, name)
                    check_file(root, os.path.relpath(full, root).replace(os.sep, "/"), problems)
    for p in problems:
        print(p)
    print("check_includes: %d problem(s)" % len(problems))
    return 1 if problems else 0


# Planted violations: (file, line appended, text the report must contain).
PLANTED = [
    ("reference/conv2d.cc", '#include "src/packed_op_impl.h"', 'reference may not include "src/'),
    ("kernels/neondot/neondot_table.cc", '#include "kernels/neon/neon_kernels.h"',
     'kernels/neondot may not include "kernels/neon/'),
    ("kernels/avx2/avx2_table.cc", '#include "kernels/avx512vnni/avx512vnni_kernels.h"',
     'kernels/avx2 may not include "kernels/avx512vnni/'),
    ("core/kernel.h", '#include "qkernels/ops.h"', 'core may not include "qkernels/ops.h"'),
    ("kernels/driver/a_rows.cc", "#include <immintrin.h>", "may not include intrinsics"),
    ("dispatch/kernel_table.cc", '#include "src/validate.h"', 'dispatch may not include "src/'),
    ("include/qkernels/ops.h", "namespace qk { namespace internal { struct Leak; } }",
     "a public header names an internal type"),
    ("kernels/sve/qs8_gemm.cc", '#include "core/kernel.h"', "kernels/sve/ is not a known folder"),
]


def self_test(root):
    work = tempfile.mkdtemp(prefix="check_includes_")
    try:
        clean = os.path.join(work, "clean")
        for top in LIBRARY_DIRS:
            shutil.copytree(os.path.join(root, top), os.path.join(clean, top))
        me = os.path.abspath(__file__)
        run = lambda tree: subprocess.run([sys.executable, me, tree], capture_output=True,
                                          text=True)
        result = run(clean)
        if result.returncode != 0:
            print("self-test: the unmodified tree fails:\n" + result.stdout)
            return 1
        failures = 0
        for i, (path, line, expected) in enumerate(PLANTED):
            tree = os.path.join(work, "planted%d" % i)
            shutil.copytree(clean, tree)
            target = os.path.join(tree, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "a", encoding="utf-8") as f:
                f.write("\n" + line + "\n")
            result = run(tree)
            ok = result.returncode == 1 and expected in result.stdout
            print("self-test: %s in %s: %s" % (line, path, "reported" if ok else "NOT REPORTED"))
            if not ok:
                print(result.stdout)
                failures += 1
        print("self-test: %d of %d planted violations reported" %
              (len(PLANTED) - failures, len(PLANTED)))
        return 1 if failures else 0
    finally:
        shutil.rmtree(work)


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) == 2:
        return check(argv[1])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
