"""Pack 26 circles into the unit square, maximising the sum of their radii."""
import math

N_CIRCLES = 26
# Circles per row of the starting layout (sums to 26). Kept outside the block so that tuning the
# numbers inside it never changes the count; an evolved layout may ignore it.
ROW_SIZES = (5, 5, 6, 5, 5)


# EVOLVE-BLOCK-START
def construct_packing():
    """Centres on five staggered rows (ROW_SIZES), then the largest radii that fit."""
    row_sizes = ROW_SIZES
    margin_x = 0.12
    margin_y = 0.12
    row_shift = 0.04
    wide_row_margin = 0.08
    centers = []
    for row, count in enumerate(row_sizes):
        y = margin_y + row * (1.0 - margin_y - margin_y) / (len(row_sizes) - 1)
        margin = wide_row_margin if count == max(row_sizes) else margin_x
        shift = row_shift if row & 1 else 0.0
        for column in range(count):
            x = margin + column * (1.0 - margin - margin) / (count - 1) + shift
            centers.append((min(max(x, 0.0), 1.0), y))
    return centers, compute_max_radii(centers)


def compute_max_radii(centers):
    """Radii limited by the walls, then shrunk pairwise until no two circles overlap."""
    max_radius = 0.2
    radii = [min(x, y, 1.0 - x, 1.0 - y, max_radius) for x, y in centers]
    for _ in range(30):
        changed = False
        for i in range(len(centers)):
            for j in range(i + 1, len(centers)):
                distance = math.dist(centers[i], centers[j])
                if radii[i] + radii[j] > distance:
                    scale = distance / (radii[i] + radii[j])
                    radii[i] *= scale
                    radii[j] *= scale
                    changed = True
        if not changed:
            break
    return radii
# EVOLVE-BLOCK-END


def run_packing():
    """Returns (centers, radii, sum of radii); the evaluator checks every constraint itself."""
    centers, radii = construct_packing()
    return centers, radii, sum(radii)


if __name__ == "__main__":
    _, found_radii, total = run_packing()
    print(f"{len(found_radii)} circles, sum of radii {total:.6f}")
