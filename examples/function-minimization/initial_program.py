"""Find the global minimum of f(x, y) = sin(x)cos(y) + sin(xy) + (x^2 + y^2)/20 on (-5, 5)^2."""
import math
import random


def evaluate_function(x, y):
    """The objective. It has several local minima; the global one is near (-1.704, 0.678)."""
    return math.sin(x) * math.cos(y) + math.sin(x * y) + (x * x + y * y) / 20


# EVOLVE-BLOCK-START
def search_algorithm(rng, bounds=(-5.0, 5.0)):
    """Random search with occasional local steps around the best point found so far."""
    iterations = 50
    local_probability = 0.1
    step_size = 2.5
    low, high = bounds
    best_x = rng.uniform(low, high)
    best_y = rng.uniform(low, high)
    best_value = evaluate_function(best_x, best_y)
    for _ in range(iterations):
        if rng.random() < local_probability:
            x = min(high, max(low, best_x + rng.gauss(0.0, step_size)))
            y = min(high, max(low, best_y + rng.gauss(0.0, step_size)))
        else:
            x = rng.uniform(low, high)
            y = rng.uniform(low, high)
        value = evaluate_function(x, y)
        if value < best_value:
            best_x, best_y, best_value = x, y, value
    return best_x, best_y, best_value
# EVOLVE-BLOCK-END


def run_search(seed=None):
    """Runs one search; the evaluator calls this once per trial with a different seed."""
    rng = random.Random(seed)
    x, y, value = search_algorithm(rng)
    return x, y, value


if __name__ == "__main__":
    found_x, found_y, found_value = run_search(0)
    print(f"minimum found at ({found_x:.4f}, {found_y:.4f}) with f = {found_value:.4f}")
