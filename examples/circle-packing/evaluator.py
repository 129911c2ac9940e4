"""Scores a circle-packing candidate: 26 circles in the unit square, maximise the sum of radii.

Usage: python3 evaluator.py <program.py>

The program's run_packing() runs in a child process with a time limit. Its circles are checked
strictly (tolerance 1e-12, well under 1e-9): 26 finite centres and radii, radii >= 0, every circle
inside [0, 1]^2 and no two overlapping. The sum is recomputed from the radii. An invalid packing
scores 0 with the violations as feedback; a program that crashes or times out exits with code 1.
Printed last: {"combined_score": sum of radii, "metrics": {sum_radii, target_ratio, validity, ...}}.
"""
import json
import math
import subprocess
import sys
import time

N_CIRCLES = 26
TOLERANCE = 1e-12
# The reference sum used by OpenEvolve's example, for target_ratio.
REFERENCE_SUM = 2.635
RUN_TIMEOUT_SECONDS = 60

RUNNER = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("candidate", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
centers, radii, _ = module.run_packing()
print(json.dumps({"centers": [[float(x), float(y)] for x, y in centers], "radii": [float(r) for r in radii]}))
"""


def violations(centers, radii):
    """Every broken constraint, as text (empty when the packing is valid)."""
    found = []
    if len(centers) != N_CIRCLES or len(radii) != N_CIRCLES:
        return [f"expected {N_CIRCLES} centres and radii, got {len(centers)} and {len(radii)}"]
    for index, ((x, y), r) in enumerate(zip(centers, radii)):
        if not all(math.isfinite(value) for value in (x, y, r)):
            found.append(f"circle {index} has a non-finite value ({x}, {y}, r={r})")
            continue
        if r < 0:
            found.append(f"circle {index} has a negative radius {r}")
        if x - r < -TOLERANCE or x + r > 1 + TOLERANCE or y - r < -TOLERANCE or y + r > 1 + TOLERANCE:
            found.append(f"circle {index} at ({x:.6f}, {y:.6f}) with r={r:.6f} leaves the unit square")
    for i in range(len(centers)):
        for j in range(i + 1, len(centers)):
            gap = math.dist(centers[i], centers[j]) - radii[i] - radii[j]
            if gap < -TOLERANCE:
                found.append(f"circles {i} and {j} overlap by {-gap:.3e}")
    return found


def main():
    program_path = sys.argv[1]
    started = time.time()
    try:
        completed = subprocess.run(
            [sys.executable, "-c", RUNNER, program_path], capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        sys.stderr.write(f"run_packing() did not finish within {RUN_TIMEOUT_SECONDS} s\n")
        sys.exit(1)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr[-4000:])
        sys.exit(1)
    try:
        packing = json.loads(completed.stdout.strip().splitlines()[-1])
        centers = [(float(x), float(y)) for x, y in packing["centers"]]
        radii = [float(r) for r in packing["radii"]]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        sys.stderr.write(f"run_packing() did not return (centers, radii, sum): {error}\n")
        sys.exit(1)
    problems = violations(centers, radii)
    total = sum(radii) if not problems else 0.0
    metrics = {
        "sum_radii": total,
        "target_ratio": total / REFERENCE_SUM,
        "validity": 0.0 if problems else 1.0,
        "eval_time": time.time() - started,
    }
    artifacts = {}
    if problems:
        artifacts["violations"] = "\n".join(problems[:20]) + (f"\n... and {len(problems) - 20} more" if len(problems) > 20 else "")
        artifacts["feedback"] = "The packing is invalid, so it scores 0. Shrink or move the circles named above."
    else:
        smallest = min(range(N_CIRCLES), key=lambda index: radii[index])
        artifacts["feedback"] = f"Valid packing. Sum of radii {total:.6f} ({total / REFERENCE_SUM:.2%} of {REFERENCE_SUM}); smallest circle {smallest} has r={radii[smallest]:.4f}."
    print(json.dumps({"combined_score": total, "metrics": metrics, "artifacts": artifacts}))


if __name__ == "__main__":
    main()
