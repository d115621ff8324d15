#!/usr/bin/env python3
"""The cycle model of the Arm microkernels (driven by scripts/arm-mca.sh).

For every Arm microkernel: compile its source with the flags the release build uses (taken from
the compile_commands.json of the aarch64 preset), take the kernel's inner loop from the compiler's
assembly, and let llvm-mca-16 simulate that loop on each core model. Prints one line per kernel
and core: `<kernel> <cpu> <MACs/cycle>`, or `n/a` where the core lacks the kernel's ISA.

How a kernel is found, so that moving or renaming files needs no change here:
  - every source that CMake compiles for aarch64 is a candidate;
  - a kernel is an out-of-line function whose unqualified name follows the kernel grammar
    `q<type>_<op>_..._<tile>__<isa...>` (e.g. qs8_gemm_4x16c4__neondot), plus the few loops listed
    in NAMED_LOOPS whose function does not follow it yet;
  - its inner loop is the innermost loop (a backward branch with no loop inside it) holding the
    most multiply-accumulates; MACs are counted from the loop's instructions
    (arm_mca_asm.MAC_RULES), and checked against the tile in the name (MR x NR x KR must divide
    them).
The loop is taken from the assembly rather than marked with LLVM-MCA-BEGIN/END: GCC treats the
markers' asm volatile as a barrier, and with them it spills the i8mm kernel's 16 accumulators to
the stack inside the loop, so the markers would measure a loop the release build never runs.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

from arm_mca_asm import demangle, function_name, functions_in_assembly, hot_loop

# The cores, in output order, and the ISA extensions each has beyond Armv8.0 NEON (Arm's
# technical reference manuals; LLVM's models of these cores accept the same instructions).
CPUS = [
    ("cortex-a53", set()),
    ("cortex-a55", {"dotprod"}),
    ("cortex-a72", set()),
    ("cortex-a76", {"dotprod"}),
    ("neoverse-n1", {"dotprod"}),
    ("neoverse-n2", {"dotprod", "i8mm"}),
    ("neoverse-v1", {"dotprod", "i8mm"}),
]

KERNEL_NAME = re.compile(r"^q[a-z0-9]+(?:_[a-z0-9]+)+__[a-z0-9_]+$")
GEMM_TILE = re.compile(r"_(\d+)x(\d+)c(\d+)(?:_|$)")
# The floors the kernels must keep (--check fails below them): MACs/cycle per kernel and core, a
# number, or ("x", kernel, factor) for at least factor times that kernel's value on the same core.
# They are the targets the kernels were tuned to under LLVM 16's models, not the values measured.
FLOORS = {
    "qs8_gemm_2x8c16__neon": {"cortex-a72": 7.0, "cortex-a76": 7.0, "neoverse-n1": 7.0},
    # The in-order tile: hand-ordered for Cortex-A53/A55 (about 1.4x the 2x8c16 loop there).
    "qs8_gemm_4x4c16__neon": {"cortex-a53": 4.0, "cortex-a55": 4.2},
    "qs8_gemm_4x16c4__neondot": {"cortex-a76": 30.0, "neoverse-n1": 30.0, "neoverse-v1": 32.0},
    "qs8_gemm_4x16c8__i8mm": {"neoverse-n2": ("x", "qs8_gemm_4x16c4__neondot", 1.3),
                              "neoverse-v1": ("x", "qs8_gemm_4x16c4__neondot", 1.3)},
    "qs16x8_gemm_4x8c1__neon": {"cortex-a76": 2.0},
    "qs16x8_dwconv_4c1__neon": {"cortex-a76": 2.0},
}

# Loops worth a row whose function is not named by the grammar: row name -> qualified function.
# Drop an entry when its kernel becomes a grammar-named microkernel.
NAMED_LOOPS = {}


def required_features(arguments):
    """The extensions a source's -march asks for: dotprod (+dotprod or Armv8.4+), i8mm (+i8mm or
    Armv8.6+). A kernel runs only on a core that has them all (the dispatcher checks the same)."""
    march = [a[len("-march="):] for a in arguments if a.startswith("-march=")]
    if not march:
        return set()
    base, *extensions = march[-1].split("+")
    version = re.match(r"armv(\d+)(?:\.(\d+))?", base)
    major, minor = (int(version.group(1)), int(version.group(2) or 0)) if version else (8, 0)
    level = (8, minor + 5) if major == 9 else (major, minor)  # Armv9.x includes Armv8.(x+5)
    features = {e for e in extensions if not e.startswith("no")}
    if level >= (8, 4):
        features.add("dotprod")
    if level >= (8, 6):
        features.add("i8mm")
    return features & {"dotprod", "i8mm"}


# ---- llvm-mca ---------------------------------------------------------------------------------

class McaError(Exception):
    pass


def cycles_per_iteration(source, cpu, mca):
    """Steady-state cycles of one loop iteration on `cpu`.

    llvm-mca runs the loop body N times back to back and reports Total Cycles = the pipeline fill
    + N x the steady-state cycles of one iteration + the drain of the last one. Total / N would
    charge the fill and drain to the loop (about 0.3 % at N = 100 here); the difference of two runs,
    (Total(2N) - Total(N)) / N, cancels them exactly once the simulation has settled into its
    steady state (and averages over N iterations should that state repeat with a longer period).
    """
    totals = []
    with tempfile.NamedTemporaryFile("w", suffix=".s") as f:
        f.write("\n".join(source) + "\n")
        f.flush()
        for n in (100, 200):
            run = subprocess.run([mca, "-mtriple=aarch64", "-mcpu=" + cpu, "-iterations=%d" % n,
                                  f.name], capture_output=True, text=True)
            # llvm-mca reports an instruction the core's model rejects on stderr, drops it and
            # still exits 0: any error means the numbers are not the loop's.
            if run.returncode != 0 or "error:" in run.stderr:
                raise McaError("%s -mcpu=%s: %s" % (mca, cpu, run.stderr.strip()[:400]))
            total = re.search(r"^Total Cycles:\s+(\d+)", run.stdout, re.M)
            if not total:
                raise McaError("%s -mcpu=%s printed no Total Cycles" % (mca, cpu))
            totals.append(int(total.group(1)))
    return (totals[1] - totals[0]) / 100.0


# ---- the build's compile commands -------------------------------------------------------------

def compile_commands(source_dir, build_dir):
    """The aarch64 preset configured (library only) into build_dir with compile_commands.json:
    the compiler, flags (-O3 -DNDEBUG, -march=...) and include paths of the release build."""
    run = subprocess.run(["cmake", "--preset", "aarch64", "-B", build_dir,
                          "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DQK_BUILD_TESTS=OFF",
                          "-DQK_BUILD_TOOLS=OFF", "-DQK_BUILD_BENCH=OFF", "-DQK_BUILD_FUZZERS=OFF"],
                         cwd=source_dir, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("arm-mca: configuring the aarch64 preset failed:\n" + run.stdout + run.stderr)
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = json.load(f)
    for e in entries:
        e["args"] = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    return entries


def may_define_kernels(path):
    """Cheap filter before compiling: the source names a kernel-grammar or NAMED_LOOPS function."""
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    names = [n.split("::")[-1] for n in NAMED_LOOPS.values()]
    pattern = r"\b(?:q[a-z0-9]+_\w*__\w+|%s)\s*[(<]" % "|".join(map(re.escape, names))
    return re.search(pattern, text) is not None


def assemble(entry):
    """The entry's compile command with -S instead of -c: the assembly the object is made of."""
    args = []
    it = iter(entry["args"])
    for a in it:
        if a in ("-o", "-MF", "-MT", "-MQ"):
            next(it, None)
        elif a in ("-c", "-MD", "-MMD"):
            continue
        else:
            args.append(a)
    stop = "-E" if entry["file"].endswith(".S") else "-S"  # hand-written: preprocessed source
    with tempfile.NamedTemporaryFile(suffix=".s") as f:
        run = subprocess.run(args + [stop, "-o", f.name], cwd=entry["directory"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit("arm-mca: compiling %s failed:\n%s" % (entry["file"], run.stderr))
        return open(f.name).read()


def kernels_in(entry, warn):
    """The kernels one source defines: their hot_loop dicts, with name, function, file and the
    features their -march needs."""
    bodies = functions_in_assembly(assemble(entry))
    names = demangle(sorted(bodies))
    found = []
    for symbol, demangled in names.items():
        function, template = function_name(demangled)
        short = function.split("::")[-1]
        rows = [k for k, v in NAMED_LOOPS.items() if v == function]
        name = short + template if KERNEL_NAME.match(short) else (rows[0] if rows else None)
        if name is None:
            continue
        loop = hot_loop(bodies[symbol])
        if loop is None:
            warn("%s (%s): no loop with vector multiply-accumulates; skipped" % (name, function))
            continue
        loop.update(name=name, function=function, file=entry["file"],
                    features=required_features(entry["args"]))
        found.append(loop)
    return found


def tile_problem(kernel):
    """None, or why the MACs counted in the loop do not fit the MRxNRcKR tile in the name."""
    tile = GEMM_TILE.search(kernel["name"])
    if not tile:
        return None
    mr, nr, kr = map(int, tile.groups())
    if kernel["macs"] % (mr * nr * kr):
        return "%d MACs per iteration is not a multiple of %dx%dx%d" % (kernel["macs"], mr, nr, kr)
    return None


# ---- the table --------------------------------------------------------------------------------

def measure(kernel, mca, verbose):
    """{cpu: MACs/cycle or None (the core lacks the kernel's ISA)}."""
    result = {}
    for cpu, has in CPUS:
        if not kernel["features"] <= has:
            result[cpu] = None
            continue
        cycles = cycles_per_iteration(kernel["source"], cpu, mca)
        if cycles <= 0:
            raise McaError("%s on %s: %.2f cycles per iteration" % (kernel["name"], cpu, cycles))
        result[cpu] = kernel["macs"] / cycles
        if verbose:
            print("#   %-12s %7.2f cycles/iteration" % (cpu, cycles), file=sys.stderr)
    return result


def describe(kernel):
    tile = GEMM_TILE.search(kernel["name"])
    depth = ""
    if tile:
        depth = ", depth %d per iteration" % (kernel["macs"] // (int(tile.group(1)) *
                                                                 int(tile.group(2))))
    needs = "+".join(sorted(kernel["features"])) or "armv8.0"
    return "# %s: %s in %s (needs %s): loop of %d instructions, %d MACs%s%s" % (
        kernel["name"], kernel["function"], os.path.relpath(kernel["file"]), needs,
        len(kernel["instructions"]), kernel["macs"], depth,
        ", %d branches inside (simulated straight through)" % kernel["inner_branches"]
        if kernel["inner_branches"] else "")


def format_value(v):
    return "n/a" if v is None else "%.1f" % v


def print_markdown(rows):
    cpus = [c for c, _ in CPUS]
    print("| kernel | MACs/iteration | " + " | ".join(cpus) + " |")
    print("|---|---:|" + "---:|" * len(cpus))
    for kernel, values in rows:
        print("| `%s` | %d | %s |" % (kernel["name"], kernel["macs"],
                                      " | ".join(format_value(values[c]) for c in cpus)))


def discover(source_dir, build_dir, wanted, first_only, warn):
    entries = compile_commands(source_dir, build_dir)
    kernels = []
    kernels_dir = os.path.join(os.path.realpath(source_dir), "kernels") + os.sep
    for entry in sorted(entries, key=lambda e: e["file"]):
        # Microkernels live under kernels/ (other sources may need generated headers to compile).
        in_kernels = os.path.realpath(entry["file"]).startswith(kernels_dir)
        if not in_kernels or not may_define_kernels(entry["file"]):
            continue
        for k in kernels_in(entry, warn):
            if wanted and not any(re.search(w, k["name"]) for w in wanted):
                continue
            if any(k["name"] == other["name"] for other in kernels):
                sys.exit("arm-mca: two functions are named %s" % k["name"])
            kernels.append(k)
        if first_only and kernels:
            break
    for name, function in NAMED_LOOPS.items():
        if not any(k["name"] == name for k in kernels) and not first_only and not wanted:
            warn("%s: %s was not found (renamed or removed?)" % (name, function))
    kernels.sort(key=lambda k: (len(k["features"]), sorted(k["features"]), k["name"]))
    return kernels


# ---- --check ----------------------------------------------------------------------------------

def fixture_function():
    """A function: an outer loop around a loop without multiplies and the hot loop (16 smlal by
    element = 64 MACs, with a numeric label as in hand-written assembly), GCC's `bne` and LLVM's
    `b.hi` spellings, a forward branch and a few names that are not branches (bic, bl, bsl)."""
    smlal = ["\tsmlal%s\tv%d.4s, v%d.%s, v0.h[%d]" % ("2" if i % 2 else "", 16 + i % 8,
                                                     24 + i // 8, "8h" if i % 2 else "4h", i // 2)
             for i in range(16)]
    return (["\tmov\tx3, 0", ".Louter:", "\tmov\tx5, 0", "\tbl\tabort", ".Lcold:",
             "\tadd\tx5, x5, 1", "\tbic\tv1.16b, v1.16b, v2.16b", "\tcmp\tx5, x6",
             "\tbne\t.Lcold", "\tb\t1f", "\tmul\tx9, x9, x9", "1:", "\tldp\tq24, q25, [x2]",
             "\tldr\td0, [x1, x3]", "\tadd\tx2, x2, 32", "\tadd\tx3, x3, 8"] + smlal +
            ["\tbsl\tv3.16b, v4.16b, v5.16b", "\tcmp\tx0, x3", "\tb.hi\t1b", "\tadd\tx7, x7, 1",
             "\tcmp\tx7, x8", "\tbne\t.Louter", "\tret"])


NAME_CASES = (
    ("qk::neon::f__neon(unsigned long, int*)", ("qk::neon::f__neon", "")),
    ("void qk::(anonymous namespace)::K<4, (Op)1>(int)", ("qk::K", "<4,(Op)1>")),
    ("qs8_gemm_1x8c8__neon", ("qs8_gemm_1x8c8__neon", "")),
)
MARCH_CASES = (
    ("-march=armv8-a", set()),
    ("-march=armv8.2-a+dotprod", {"dotprod"}),
    ("-march=armv8.6-a+dotprod+i8mm", {"dotprod", "i8mm"}),
    ("-march=armv9-a", {"dotprod"}),
    ("-march=armv9.1-a", {"dotprod", "i8mm"}),
)


def self_test(mca):
    """Checks the parts whose mistakes would not show in the table. The expected cycles come from
    the core, not from this script: Cortex-A72 has one ASIMD pipe (F0) for multiply-accumulate-long
    (Cortex-A72 Software Optimization Guide, 3.14: SMLAL throughput 1), so 16 smlal take 16 cycles
    an iteration and the fixture's loop does 64 / 16 = 4.0 MACs per cycle."""
    problems = []
    loop = hot_loop(fixture_function())
    found = (loop["macs"], len(loop["instructions"]), loop["inner_branches"]) if loop else None
    if found != (64, 23, 0):
        problems.append("fixture: hot loop (MACs, instructions, inner branches) = %r, expected "
                        "(64, 23, 0)" % (found,))
    else:
        cycles = cycles_per_iteration(loop["source"], "cortex-a72", mca)
        if cycles != 16.0:
            problems.append("fixture: %.2f cycles per iteration on cortex-a72, not 16" % cycles)
    try:
        cycles_per_iteration(["\tsdot\tv0.4s, v1.16b, v2.4b[0]"], "cortex-a72", mca)
        problems.append("sdot on cortex-a72 (no dotprod) was not reported as an error")
    except McaError:
        pass
    problems += ["function_name(%r) = %r" % (d, function_name(d))
                 for d, want in NAME_CASES if function_name(d) != want]
    problems += ["required_features(%s) = %s" % (f, required_features([f]))
                 for f, want in MARCH_CASES if required_features([f]) != want]
    return problems


def floor_problems(rows):
    """The FLOORS broken by the measured rows [(kernel, {cpu: value})], and floors whose kernel
    was not measured (renamed or removed: the floor would silently stop guarding it)."""
    measured = {k["name"]: v for k, v in rows}
    problems = []
    for name, floors in FLOORS.items():
        if name not in measured:
            problems.append("%s: no such kernel was measured (FLOORS names it)" % name)
            continue
        for cpu, floor in floors.items():
            got = measured[name].get(cpu)
            if isinstance(floor, tuple):
                _, other, factor = floor
                base = measured.get(other, {}).get(cpu)
                if base is None:
                    problems.append("%s on %s: %s was not measured" % (name, cpu, other))
                    continue
                floor, what = factor * base, "%.2f x %s (%.1f)" % (factor, other, base)
            else:
                what = "%.1f" % floor
            if got is None or got < floor - 1e-9:
                problems.append("%s on %s: %s MACs/cycle, the floor is %s"
                                % (name, cpu, format_value(got), what))
    return problems


LINE = re.compile(r"^(\S+) (\S+) (n/a|\d+\.\d)$")


def check(kernel, values, lines):
    """The table's contract for one kernel: one well-formed line per core, a positive number
    wherever the core has the ISA, n/a elsewhere, MACs that fit the tile."""
    problems = []
    if len(lines) != len(CPUS):
        problems.append("%d lines for %d cores" % (len(lines), len(CPUS)))
    for line, (cpu, has) in zip(lines, CPUS):
        m = LINE.match(line)
        if not m or m.group(1) != kernel["name"] or m.group(2) != cpu:
            problems.append("malformed line %r" % line)
        elif kernel["features"] <= has and not (m.group(3) != "n/a" and float(m.group(3)) > 0):
            problems.append("%s: expected a positive MACs/cycle, got %s" % (cpu, m.group(3)))
        elif not kernel["features"] <= has and m.group(3) != "n/a":
            problems.append("%s lacks %s but got %s" % (cpu, kernel["features"], m.group(3)))
    if not any(v for v in values.values()):
        problems.append("no core ran the kernel")
    if tile_problem(kernel):
        problems.append(tile_problem(kernel))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kernels", nargs="*", help="regular expressions: only matching kernels")
    ap.add_argument("--build-dir", default="build/arm-mca", help="where the aarch64 preset is "
                    "configured for its compile commands (default build/arm-mca)")
    ap.add_argument("--mca", default="llvm-mca-16")
    ap.add_argument("--check", action="store_true", help="self-test, then check the output and "
                    "the FLOORS of the kernels that have floors (or the output of those named)")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table instead")
    ap.add_argument("-v", "--verbose", action="store_true", help="the loop of each kernel, and "
                    "cycles per iteration, on stderr")
    args = ap.parse_args()
    source_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build_dir = os.path.abspath(args.build_dir)

    def warn(message):
        print("arm-mca: warning: " + message, file=sys.stderr)

    problems = self_test(args.mca) if args.check else []
    wanted = args.kernels
    if args.check and not wanted:  # the kernels with floors (and those their floors compare to)
        wanted = ["^%s$" % re.escape(n) for n in FLOORS]
    kernels = discover(source_dir, build_dir, wanted, False, warn)
    if not kernels:
        sys.exit("arm-mca: no Arm microkernel found" + (" matching " + " ".join(args.kernels)
                                                        if args.kernels else ""))
    rows = []
    for kernel in kernels:
        if args.verbose:
            print(describe(kernel), file=sys.stderr)
            print("\n".join("#     " + t for t in kernel["source"]), file=sys.stderr)
        if tile_problem(kernel):
            warn("%s: %s" % (kernel["name"], tile_problem(kernel)))
        values = measure(kernel, args.mca, args.verbose)
        rows.append((kernel, values))
        lines = ["%s %s %s" % (kernel["name"], cpu, format_value(values[cpu])) for cpu, _ in CPUS]
        if not args.markdown:
            print("\n".join(lines), flush=True)
        if args.check:
            problems += ["%s: %s" % (kernel["name"], p) for p in check(kernel, values, lines)]
    if args.markdown:
        print_markdown(rows)
    if args.check:
        if not args.kernels:
            problems += floor_problems(rows)
        if problems:
            sys.exit("arm-mca --check: FAILED\n  " + "\n  ".join(problems))
        print("arm-mca --check: OK (self-test, the floors, and %s on %d cores)"
              % (", ".join(k["name"] for k in kernels), len(CPUS)))


if __name__ == "__main__":
    try:
        main()
    except McaError as e:
        sys.exit("arm-mca: " + str(e))
