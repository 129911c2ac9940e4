/**
 * A treap keyed by (score, tie) with subtree sizes, so an island can answer "the k-th lowest
 * score", "the median" and "the worst program that owns no cell" in O(log n) without sorting or
 * copying its population. Priorities come from a hash of the tie so the shape (and every answer)
 * is reproducible without touching the run's random generator.
 */
interface TreeNode<Value> {
  score: number;
  tie: number;
  value: Value;
  priority: number;
  size: number;
  left: TreeNode<Value> | null;
  right: TreeNode<Value> | null;
}

export class OrderStatisticTree<Value> {
  private root: TreeNode<Value> | null = null;

  get size(): number {
    return this.root?.size ?? 0;
  }

  /** Inserts a value; `tie` must be unique among live values (a sequence number is). */
  insert(score: number, tie: number, value: Value): void {
    const node: TreeNode<Value> = { score, tie, value, priority: hashPriority(tie), size: 1, left: null, right: null };
    const [lower, upper] = split(this.root, score, tie);
    this.root = merge(merge(lower, node), upper);
  }

  /** Removes the value with this (score, tie); returns whether it was present. */
  remove(score: number, tie: number): boolean {
    const before = this.size;
    this.root = removeNode(this.root, score, tie);
    return this.size < before;
  }

  /** The value at rank `index` (0 = lowest score). */
  at(index: number): Value | undefined {
    let node = this.root;
    let remaining = index;
    while (node !== null) {
      const leftSize = node.left?.size ?? 0;
      if (remaining < leftSize) node = node.left;
      else if (remaining === leftSize) return node.value;
      else {
        remaining -= leftSize + 1;
        node = node.right;
      }
    }
    return undefined;
  }

  /** The score at rank `index`. */
  scoreAt(index: number): number | undefined {
    let node = this.root;
    let remaining = index;
    while (node !== null) {
      const leftSize = node.left?.size ?? 0;
      if (remaining < leftSize) node = node.left;
      else if (remaining === leftSize) return node.score;
      else {
        remaining -= leftSize + 1;
        node = node.right;
      }
    }
    return undefined;
  }

  /** Linear-interpolated quantile of the scores (fraction in [0, 1]); undefined when empty. */
  quantile(fraction: number): number | undefined {
    if (this.size === 0) return undefined;
    const position = (this.size - 1) * Math.min(1, Math.max(0, fraction));
    const lower = Math.floor(position);
    const upper = Math.ceil(position);
    const low = this.scoreAt(lower)!;
    if (upper === lower) return low;
    const high = this.scoreAt(upper)!;
    return low + (high - low) * (position - lower);
  }

  lowest(): Value | undefined {
    return this.at(0);
  }

  highest(): Value | undefined {
    return this.at(this.size - 1);
  }

  /** Visits values from the highest score down until `visit` returns false. */
  descending(visit: (value: Value) => boolean): void {
    walkDescending(this.root, visit);
  }

  /** Visits values from the lowest score up until `visit` returns false. */
  ascending(visit: (value: Value) => boolean): void {
    walkAscending(this.root, visit);
  }
}

function isBefore(score: number, tie: number, node: { score: number; tie: number }): boolean {
  return score < node.score || (score === node.score && tie < node.tie);
}

function update<Value>(node: TreeNode<Value>): TreeNode<Value> {
  node.size = 1 + (node.left?.size ?? 0) + (node.right?.size ?? 0);
  return node;
}

/** Splits into keys before (score, tie) and keys at or after it. */
function split<Value>(
  node: TreeNode<Value> | null,
  score: number,
  tie: number,
): [TreeNode<Value> | null, TreeNode<Value> | null] {
  if (node === null) return [null, null];
  if (isBefore(node.score, node.tie, { score, tie })) {
    const [lower, upper] = split(node.right, score, tie);
    node.right = lower;
    return [update(node), upper];
  }
  const [lower, upper] = split(node.left, score, tie);
  node.left = upper;
  return [lower, update(node)];
}

function merge<Value>(left: TreeNode<Value> | null, right: TreeNode<Value> | null): TreeNode<Value> | null {
  if (left === null) return right;
  if (right === null) return left;
  if (left.priority > right.priority) {
    left.right = merge(left.right, right);
    return update(left);
  }
  right.left = merge(left, right.left);
  return update(right);
}

function removeNode<Value>(node: TreeNode<Value> | null, score: number, tie: number): TreeNode<Value> | null {
  if (node === null) return null;
  if (node.score === score && node.tie === tie) return merge(node.left, node.right);
  if (isBefore(score, tie, node)) node.left = removeNode(node.left, score, tie);
  else node.right = removeNode(node.right, score, tie);
  return update(node);
}

function walkDescending<Value>(node: TreeNode<Value> | null, visit: (value: Value) => boolean): boolean {
  if (node === null) return true;
  if (!walkDescending(node.right, visit)) return false;
  if (!visit(node.value)) return false;
  return walkDescending(node.left, visit);
}

function walkAscending<Value>(node: TreeNode<Value> | null, visit: (value: Value) => boolean): boolean {
  if (node === null) return true;
  if (!walkAscending(node.left, visit)) return false;
  if (!visit(node.value)) return false;
  return walkAscending(node.right, visit);
}

function hashPriority(tie: number): number {
  let value = (tie ^ 0x9e3779b9) >>> 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b) >>> 0;
  value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35) >>> 0;
  return (value ^ (value >>> 16)) >>> 0;
}
