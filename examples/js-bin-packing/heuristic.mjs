// Online bin packing: items arrive one at a time and each must go into a bin at once.
// `pack` puts every item into the open bin with the highest priority, or opens a new bin when no
// open bin has room. Only `priority` evolves.

// EVOLVE-BLOCK-START
/**
 * How much we want to put an item of `size` into a bin with `remaining` free space (out of
 * `capacity`). Only called for bins the item fits in; the highest priority wins.
 */
export function priority(size, remaining, capacity) {
  // Prefer bins that this item leaves with about `targetGap` units free.
  const targetGap = 40;
  const leftover = remaining - size;
  return -Math.abs(leftover - targetGap) / capacity;
}
// EVOLVE-BLOCK-END

export function pack(items, capacity) {
  const bins = [];
  items.forEach((size, index) => {
    let chosen = -1;
    let best = -Infinity;
    bins.forEach((bin, binIndex) => {
      if (bin.remaining < size) return;
      const score = priority(size, bin.remaining, capacity);
      if (score > best) {
        best = score;
        chosen = binIndex;
      }
    });
    if (chosen === -1) {
      bins.push({ remaining: capacity, items: [] });
      chosen = bins.length - 1;
    }
    bins[chosen].remaining -= size;
    bins[chosen].items.push(index);
  });
  return bins.map((bin) => bin.items);
}
