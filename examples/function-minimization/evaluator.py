"""Scores a function-minimization candidate, with the scoring of OpenEvolve's example of the same name.

Usage: python3 evaluator.py <program.py> [--stage 1]

Full evaluation: 10 trials of run_search(seed), each in its own process with a time limit.
  value       = 1 / (1 + |mean f - (-1.519)|)
  distance    = 1 / (1 + mean distance to (-1.704, 0.678))
  reliability = successful trials / 10
  combined    = (0.5 value + 0.3 distance + 0.2 reliability) x bonus,
                bonus 1.5 if mean distance < 0.5, 1.2 if < 1.5, 1.0 if < 3, else 0.7
Stage 1 (--stage 1): a single trial scored 0.6 value + 0.4 distance.
The last line of stdout is the JSON result. A program whose every trial fails exits with code 1.
"""
import json
import math
import subprocess
import sys
import time

TARGET_X = -1.704
TARGET_Y = 0.678
TARGET_VALUE = -1.519
TRIALS = 10
TRIAL_TIMEOUT_SECONDS = 5

TRIAL_RUNNER = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("candidate", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
result = module.run_search(int(sys.argv[2]))
x, y = float(result[0]), float(result[1])
value = float(result[2]) if len(result) > 2 else None
print(json.dumps({"x": x, "y": y, "value": value}))
"""


def objective(x, y):
    return math.sin(x) * math.cos(y) + math.sin(x * y) + (x * x + y * y) / 20


def run_trial(program_path, seed):
    """Runs one trial in a child process; returns (result, error)."""
    try:
        completed = subprocess.run(
            [sys.executable, "-c", TRIAL_RUNNER, program_path, str(seed)],
            capture_output=True,
            text=True,
            timeout=TRIAL_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return None, f"trial {seed} timed out after {TRIAL_TIMEOUT_SECONDS} s"
    if completed.returncode != 0:
        return None, f"trial {seed} failed:\n{completed.stderr[-2000:]}"
    try:
        found = json.loads(completed.stdout.strip().splitlines()[-1])
        x, y = float(found["x"]), float(found["y"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None, f"trial {seed} printed no result: {completed.stdout[-300:]!r}"
    if not (math.isfinite(x) and math.isfinite(y)):
        return None, f"trial {seed} returned a non-finite point ({x}, {y})"
    # The value is recomputed: a program cannot claim a better minimum than its point has.
    return {"x": x, "y": y, "value": objective(x, y)}, None


def summarize(results):
    values = [result["value"] for result in results]
    distances = [math.hypot(result["x"] - TARGET_X, result["y"] - TARGET_Y) for result in results]
    mean_value = sum(values) / len(values)
    mean_distance = sum(distances) / len(distances)
    return mean_value, mean_distance


def main():
    program_path = sys.argv[1]
    stage_one = "--stage" in sys.argv and sys.argv[sys.argv.index("--stage") + 1] == "1"
    started = time.time()
    seeds = [0] if stage_one else list(range(TRIALS))
    results, errors = [], []
    for seed in seeds:
        result, error = run_trial(program_path, seed)
        if result is None:
            errors.append(error)
        else:
            results.append(result)
    if not results:
        sys.stderr.write("every trial failed\n" + "\n".join(errors[:2]) + "\n")
        sys.exit(1)
    mean_value, mean_distance = summarize(results)
    value_score = 1 / (1 + abs(mean_value - TARGET_VALUE))
    distance_score = 1 / (1 + mean_distance)
    metrics = {
        "value_score": value_score,
        "distance_score": distance_score,
        "mean_value": mean_value,
        "mean_distance": mean_distance,
        "eval_time": time.time() - started,
    }
    if stage_one:
        combined = 0.6 * value_score + 0.4 * distance_score
    else:
        reliability = len(results) / TRIALS
        if mean_distance < 0.5:
            bonus = 1.5
        elif mean_distance < 1.5:
            bonus = 1.2
        elif mean_distance < 3:
            bonus = 1.0
        else:
            bonus = 0.7
        combined = (0.5 * value_score + 0.3 * distance_score + 0.2 * reliability) * bonus
        metrics["reliability_score"] = reliability
    artifacts = {}
    if errors:
        artifacts["trial_errors"] = "\n".join(errors[:3])
        artifacts["suggestion"] = "Make run_search return (x, y, value) quickly and without exceptions for every seed."
    if mean_distance > 0.5:
        artifacts["feedback"] = f"The points found are on average {mean_distance:.3f} away from the global minimum; the search may be stuck in a local minimum."
    print(json.dumps({"combined_score": combined, "metrics": metrics, "artifacts": artifacts}))


if __name__ == "__main__":
    main()
