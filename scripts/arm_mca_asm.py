"""AArch64 assembly as GCC prints it (or a preprocessed .S file): its functions, their loops, the
multiply-accumulates in a loop, and function names. Used by scripts/arm_mca.py."""
import re
import subprocess

# MACs of one vector instruction = lanes of its destination x products summed into each lane.
MAC_RULES = {}
for _m in ("sdot", "udot", "usdot", "sudot"):
    MAC_RULES[_m] = 4  # 4 int8 products into each int32 lane
for _m in ("smmla", "ummla", "usmmla"):
    MAC_RULES[_m] = 8  # (2x8) x (8x2): 8 products into each of the 4 int32 lanes
for _m in ("smull", "umull", "smlal", "umlal", "smlsl", "umlsl"):
    MAC_RULES[_m] = MAC_RULES[_m + "2"] = 1  # widening: one product per destination lane
for _m in ("mla", "mls", "mul"):
    MAC_RULES[_m] = 1
LANES = re.compile(r"^v\d+\.(\d+)[bhsd]$")

CONDITIONS = "eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al|nv"
BRANCH = re.compile(r"^(?:b|cbz|cbnz|tbz|tbnz|b\.?(?:%s))$" % CONDITIONS)
LABEL = re.compile(r"^([.\w$]+):")
LOOP_LABEL = ".Lqk_mca_loop"


def instruction_macs(mnemonic, operands):
    rule = MAC_RULES.get(mnemonic)
    if rule is None or not operands:
        return 0
    lanes = LANES.match(operands[0])
    return int(lanes.group(1)) * rule if lanes else 0  # scalar forms (mul x0, ...) are not MACs


def split_instruction(line):
    """'\tsmlal\tv20.4s, v22.4h, v3.h[0]' -> ('smlal', ['v20.4s', 'v22.4h', 'v3.h[0]'])."""
    text = line.split("//")[0].strip()
    if not text or text.startswith((".", "#", "@")) or LABEL.match(text):
        return None
    parts = text.split(None, 1)
    operands = parts[1].split(",") if len(parts) > 1 else []
    return parts[0].lower(), [o.strip() for o in operands]


def functions_in_assembly(text):
    """{symbol: [lines of its body]} for every `.type sym, %function`."""
    names = set(re.findall(r"^\s*\.type\s+([\w.$]+)\s*,\s*[%@#]function", text, re.M))
    bodies, current = {}, None
    for line in text.splitlines():
        label = LABEL.match(line.strip())
        if label and label.group(1) in names:
            current = label.group(1)
            bodies[current] = []
        elif current is not None:
            if re.match(r"^\s*\.size\s+" + re.escape(current) + r"\s*,", line):
                current = None
            else:
                bodies[current].append(line)
    return bodies


def find_loops(lines):
    """The loops of one function, as (first, last, label) with first..last indices into its
    instruction list, and that list: a branch to a label at or before it closes a loop that starts
    at the label. Numeric local labels of hand-written assembly (`1:` ... `b.ne 1b`) count too."""
    instructions, label_at, loops = [], {}, []
    for line in lines:
        label = LABEL.match(line.strip())
        if label:
            label_at[label.group(1)] = len(instructions)
            continue
        parsed = split_instruction(line)
        if not parsed:
            continue
        mnemonic, operands = parsed
        instructions.append((mnemonic, operands, line.strip()))
        if BRANCH.match(mnemonic) and operands:
            backward = re.match(r"^(\d+)b$", operands[-1])
            label = backward.group(1) if backward else operands[-1]
            if label in label_at:  # only labels seen so far: a backward branch
                loops.append((label_at[label], len(instructions) - 1, label))
    return loops, instructions


def hot_loop(lines):
    """The innermost loop (one with no other loop inside) that has the most MACs, the first one on
    a tie, or None. A dict: macs; instructions (their lines); source, the loop as llvm-mca reads
    it (under a label of its own that the closing branch names: llvm-mca rejects `b.ne 1b`, it
    reads `1b` as a number); inner_branches, the branches inside it besides the closing one."""
    loops, instructions = find_loops(lines)
    best = None
    for first, last, label in loops:
        if any(first <= f and l <= last and (f, l) != (first, last) for f, l, _ in loops):
            continue
        body = instructions[first:last + 1]
        macs = sum(instruction_macs(m, ops) for m, ops, _ in body)
        if macs > 0 and (best is None or macs > best["macs"]):
            text = [t for _, _, t in body]
            closing = text[-1][:text[-1].rindex(body[-1][1][-1])] + LOOP_LABEL
            best = {"macs": macs, "instructions": text,
                    "source": [LOOP_LABEL + ":"] + text[:-1] + [closing],
                    "inner_branches": sum(1 for m, _, _ in body[:-1] if BRANCH.match(m))}
    return best


def demangle(symbols):
    """{symbol: demangled name} (c++filt leaves a C name as it is)."""
    if not symbols:
        return {}
    out = subprocess.run(["c++filt"], input="\n".join(symbols), capture_output=True, text=True,
                         check=True).stdout.splitlines()
    return dict(zip(symbols, out))


def function_name(demangled):
    """'void qk::neon::(anonymous namespace)::f<4, 16>(int*)' -> ('qk::neon::f', '<4,16>'): the
    qualified name without return type, anonymous namespaces and parameters, and the template
    arguments (spaces removed, '' when not a template)."""
    text = demangled.replace("(anonymous namespace)::", "")
    depth, end = 0, len(text)
    for i, ch in enumerate(text):
        depth += {"<": 1, ">": -1}.get(ch, 0)
        if ch == "(" and depth == 0:
            end = i
            break
    head = text[:end].strip()
    depth, cut = 0, 0
    for i, ch in enumerate(head):  # the return type ends at the last space outside <...>
        depth += {"<": 1, ">": -1}.get(ch, 0)
        if ch == " " and depth == 0:
            cut = i + 1
    head = head[cut:]
    template = ""
    if head.endswith(">"):
        depth = 0
        for i in range(len(head) - 1, -1, -1):
            depth += {">": 1, "<": -1}.get(head[i], 0)
            if depth == 0:
                head, template = head[:i], head[i:].replace(" ", "")
                break
    return head, template
