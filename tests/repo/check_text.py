#!/usr/bin/env python3
"""ctest: what the repository says about itself stays true. Usage: check_text.py SOURCE_DIR
  - no product text (sources, scripts, build files, READMEs) cites issue numbers or "the issue";
  - the README's dependency list names exactly the packages scripts/setup-deps.sh installs;
  - the C program the README shows is examples/run_model.c, which the consumer tests build."""
import os
import re
import sys

TEXT_DIRS = ["bench", "cmake", "dispatch", "examples", "fuzz", "include", "kernels", "reference",
             "runtime", "scripts", "src", "tests", "tools"]
SKIP = {os.path.join("tests", "fuzz", "corpus"), os.path.join("tests", "repo", "check_text.py")}
ISSUE = re.compile(r"\bissue\s*#?\s*[0-9]|(^|[\s(])#[0-9]+\b|\bthe issue\b", re.IGNORECASE)


def product_files(root):
    yield "README.md"
    yield "CMakeLists.txt"
    yield "CMakePresets.json"
    for top in TEXT_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            rel_dir = os.path.relpath(dirpath, root)
            dirnames[:] = [d for d in dirnames if os.path.join(rel_dir, d) not in SKIP]
            for name in filenames:
                rel = os.path.join(rel_dir, name)
                if rel not in SKIP and not name.endswith((".qkv", ".bin", ".tflite", ".png")):
                    yield rel


def check_issue_numbers(root):
    failures = []
    for rel in product_files(root):
        with open(os.path.join(root, rel), errors="replace") as f:
            for n, line in enumerate(f, 1):
                if ISSUE.search(line):
                    failures.append("%s:%d cites an issue: %s" % (rel, n, line.strip()))
    return failures


def setup_packages(root):
    with open(os.path.join(root, "scripts", "setup-deps.sh")) as f:
        text = f.read()
    packages = set()
    for name in ("native", "arm"):
        m = re.search(r"^%s=\(([^)]*)\)" % name, text, re.MULTILINE)
        if not m:
            return None
        packages.update(m.group(1).split())
    return packages


def readme_packages(readme):
    """The `backticked` words of the bullet list under '### Dependencies'."""
    m = re.search(r"^### Dependencies.*?$.*?^(- .*?)\n\n", readme, re.MULTILINE | re.DOTALL)
    if not m:
        return None
    words = set()
    for code in re.findall(r"`([^`]*)`", m.group(1), re.DOTALL):
        words.update(w for w in code.split() if re.fullmatch(r"[a-z0-9][a-z0-9.+-]*(:arm64)?", w))
    return words


def main():
    root = sys.argv[1]
    failures = check_issue_numbers(root)
    with open(os.path.join(root, "README.md")) as f:
        readme = f.read()
    want, have = setup_packages(root), readme_packages(readme)
    if want is None or have is None:
        failures.append("cannot find the package lists (setup-deps.sh native=/arm=, README "
                        "'### Dependencies')")
    elif want != have:
        failures.append("README dependencies differ from scripts/setup-deps.sh: missing %s, extra %s"
                        % (sorted(want - have), sorted(have - want)))
    with open(os.path.join(root, "examples", "run_model.c")) as f:
        program = f.read()
    if "```c\n" + program + "```" not in readme:
        failures.append("the README's C model program is not examples/run_model.c verbatim")
    for f in failures:
        print("FAIL: " + f)
    print("%d problems" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
