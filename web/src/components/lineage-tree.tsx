import type { JSX } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { stratify, tree as tidyTree, type HierarchyPointNode } from 'd3-hierarchy';
import type { TreeNode, TreeSlice } from '../../../src/serve/api-types.ts';
import { fetchJson } from '../api.ts';
import { asNumber, formatScore, rampColor, shortId } from '../format.ts';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';

/**
 * The lineage tree of an evolve run: a tidy tree (d3-hierarchy) drawn in SVG, panned by dragging
 * and zoomed with the wheel or the buttons. It loads lazily: the first slice holds the top levels
 * and the best program's ancestry; a node marked "+n" has children not loaded yet, fetched when it
 * is clicked. Programs evicted from the population stay in the tree as dashed ghost nodes.
 */
interface Placed {
  node: TreeNode;
  x: number;
  y: number;
}

const virtualRoot = '__root__';
const columnWidth = 16;
const rowHeight = 56;

export function LineageTree(props: { runId: string; focus?: string | undefined }): JSX.Element {
  const [nodes, setNodes] = useState<Map<string, TreeNode>>(new Map());
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>(props.focus);
  const [view, setView] = useState({ k: 1, x: 0, y: 0 });
  const fitted = useRef(false);
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<{ x: number; y: number; viewX: number; viewY: number } | null>(null);

  const merge = useCallback((slice: TreeSlice) => {
    setTotal(slice.total);
    setNodes((previous) => {
      const next = new Map(previous);
      for (const node of slice.nodes) next.set(node.id, node);
      return next;
    });
  }, []);

  const loadTop = useCallback(() => {
    const focus = props.focus === undefined ? '' : `?focus=${encodeURIComponent(props.focus)}`;
    fetchJson<TreeSlice>(`/api/runs/${encodeURIComponent(props.runId)}/tree${focus}`).then(merge, (failure: unknown) => setError(String(failure)));
  }, [props.runId, props.focus, merge]);

  useEffect(() => {
    setNodes(new Map());
    fitted.current = false;
    loadTop();
  }, [loadTop]);
  useLive(props.runId, loadTop, 1000);

  const expand = (id: string): void => {
    fetchJson<TreeSlice>(`/api/runs/${encodeURIComponent(props.runId)}/tree?root=${encodeURIComponent(id)}&depth=4&limit=800`).then(merge, (failure: unknown) => setError(String(failure)));
  };

  const layout = useMemo(() => placeNodes(nodes), [nodes]);
  const loadedChildren = useMemo(() => {
    const counts = new Map<string, number>();
    for (const node of nodes.values()) if (node.parentId !== null && nodes.has(node.parentId)) counts.set(node.parentId, (counts.get(node.parentId) ?? 0) + 1);
    return counts;
  }, [nodes]);
  const scale = useMemo(() => {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const node of nodes.values()) {
      const score = node.status === 'evaluated' ? asNumber(node.score) : null;
      if (score === null) continue;
      low = Math.min(low, score);
      high = Math.max(high, score);
    }
    if (low > high) return { low: 0, high: 1 };
    return { low, high: high > low ? high : low + 1 };
  }, [nodes]);

  const fit = useCallback(() => {
    const element = svg.current;
    if (element === null || layout.placed.length === 0) return;
    const width = element.clientWidth || 800;
    const height = element.clientHeight || 520;
    const spanX = layout.maxX - layout.minX + columnWidth * 2;
    const spanY = layout.maxY - layout.minY + rowHeight;
    const k = Math.min(2, Math.max(0.05, Math.min(width / spanX, height / spanY)));
    setView({ k, x: (width - (layout.maxX + layout.minX) * k) / 2, y: rowHeight * 0.5 * k - layout.minY * k + 10 });
  }, [layout]);

  useEffect(() => {
    if (!fitted.current && layout.placed.length > 0) {
      fitted.current = true;
      fit();
    }
  }, [layout, fit]);

  const onWheel = (event: WheelEvent): void => {
    event.preventDefault();
    const rect = (event.currentTarget as SVGSVGElement).getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
  };
  const zoomAt = (factor: number, px: number, py: number): void => {
    setView((current) => {
      const k = Math.min(8, Math.max(0.03, current.k * factor));
      return { k, x: px - ((px - current.x) * k) / current.k, y: py - ((py - current.y) * k) / current.k };
    });
  };
  const onPointerDown = (event: PointerEvent): void => {
    if ((event.target as Element).closest('.tree-node') !== null) return;
    drag.current = { x: event.clientX, y: event.clientY, viewX: view.x, viewY: view.y };
    (event.currentTarget as Element).setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent): void => {
    const start = drag.current;
    if (start === null) return;
    setView((current) => ({ ...current, x: start.viewX + event.clientX - start.x, y: start.viewY + event.clientY - start.y }));
  };
  const onPointerUp = (): void => {
    drag.current = null;
  };

  const chosen = selected === undefined ? undefined : nodes.get(selected);
  return (
    <div class="tree-layout">
      <div class="tree-panel">
        <div class="tree-toolbar">
          <span data-testid="tree-node-count">
            {nodes.size.toLocaleString('en-US')} of {total.toLocaleString('en-US')} programs shown
          </span>
          <span class="toolbar-buttons">
            <button type="button" onClick={() => zoomAt(1.4, (svg.current?.clientWidth ?? 800) / 2, (svg.current?.clientHeight ?? 500) / 2)} aria-label="zoom in">
              +
            </button>
            <button type="button" onClick={() => zoomAt(1 / 1.4, (svg.current?.clientWidth ?? 800) / 2, (svg.current?.clientHeight ?? 500) / 2)} aria-label="zoom out">
              −
            </button>
            <button type="button" onClick={fit}>
              fit
            </button>
          </span>
        </div>
        {error === undefined ? null : <p class="error-note">{error}</p>}
        <svg
          ref={svg}
          class="lineage-tree"
          data-testid="lineage-tree"
          onWheel={onWheel}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={onPointerUp}
        >
          <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
            {layout.placed.map((item) =>
              item.node.parentId !== null && layout.positions.has(item.node.parentId) ? (
                <path
                  key={`link-${item.node.id}`}
                  class={`tree-link${item.node.status === 'evaluated' ? '' : ' failed-link'}`}
                  d={linkPath(layout.positions.get(item.node.parentId)!, item)}
                />
              ) : null,
            )}
            {layout.placed.map((item) => {
              const node = item.node;
              const score = asNumber(node.score);
              const scored = node.status === 'evaluated' && score !== null;
              const missing = node.childCount - (loadedChildren.get(node.id) ?? 0);
              const classes = ['tree-node', `status-${node.status}`, node.ghost ? 'ghost' : '', node.best ? 'best' : '', node.id === selected ? 'selected' : ''].join(' ');
              return (
                <g key={node.id} class={classes} data-id={node.id} transform={`translate(${item.x},${item.y})`} onClick={() => setSelected(node.id)}>
                  <circle r={node.best ? 8 : 5} fill={scored ? rampColor((score - scale.low) / (scale.high - scale.low)) : 'none'}>
                    <title>{`${node.id}\nscore ${formatScore(node.score)} · ${node.operator} · island ${node.island} · generation ${node.generation}${node.ghost ? '\nevicted from the population (ghost)' : ''}${node.failureKind === null ? '' : `\n${node.status}: ${node.failureKind}`}`}</title>
                  </circle>
                  {node.best ? (
                    <text class="node-label" x={11} y={4}>
                      {formatScore(node.score)}
                    </text>
                  ) : null}
                  {missing > 0 ? (
                    <text
                      class="expand-mark"
                      x={-6}
                      y={20}
                      data-testid="expand-node"
                      onClick={(event) => {
                        event.stopPropagation();
                        expand(node.id);
                      }}
                    >
                      +{missing}
                    </text>
                  ) : null}
                </g>
              );
            })}
          </g>
        </svg>
        <p class="legend muted">
          Colour: score (low <span class="swatch" style={{ background: rampColor(0) }} /> to high <span class="swatch" style={{ background: rampColor(1) }} />). Hollow red: failed; hollow grey:
          rejected; dashed: evicted from the population (ghost); large: best. Drag to pan, wheel to zoom, “+n” loads more children.
        </p>
      </div>
      <aside class="tree-side" data-testid="tree-selection">
        {chosen === undefined ? (
          <p class="muted">Click a node to see it here.</p>
        ) : (
          <div>
            <h3>
              <Link href={`/programs/${encodeURIComponent(chosen.id)}`}>{shortId(chosen.id)}</Link>
            </h3>
            <dl class="field-list">
              <div class="field">
                <dt>score</dt>
                <dd>{formatScore(chosen.score)}</dd>
              </div>
              <div class="field">
                <dt>status</dt>
                <dd>
                  {chosen.status}
                  {chosen.failureKind === null ? '' : ` (${chosen.failureKind})`}
                </dd>
              </div>
              <div class="field">
                <dt>operator</dt>
                <dd>{chosen.operator}</dd>
              </div>
              <div class="field">
                <dt>island · generation</dt>
                <dd>
                  {chosen.island} · {chosen.generation}
                </dd>
              </div>
              <div class="field">
                <dt>children</dt>
                <dd>{chosen.childCount}</dd>
              </div>
              <div class="field">
                <dt>in population</dt>
                <dd>{chosen.ghost ? 'no (evicted: ghost)' : chosen.status === 'evaluated' ? 'yes' : '—'}</dd>
              </div>
            </dl>
            <Link href={`/programs/${encodeURIComponent(chosen.id)}`} class="button">
              open program
            </Link>
          </div>
        )}
      </aside>
    </div>
  );
}

function placeNodes(nodes: Map<string, TreeNode>): { placed: Placed[]; positions: Map<string, Placed>; minX: number; maxX: number; minY: number; maxY: number } {
  const empty = { placed: [], positions: new Map<string, Placed>(), minX: 0, maxX: 0, minY: 0, maxY: 0 };
  if (nodes.size === 0) return empty;
  type Datum = TreeNode | { id: typeof virtualRoot; parentId: null; sequence: number };
  const data: Datum[] = [{ id: virtualRoot, parentId: null, sequence: -1 }, ...nodes.values()];
  const root = stratify<Datum>()
    .id((datum) => datum.id)
    .parentId((datum) => (datum.id === virtualRoot ? null : datum.parentId !== null && nodes.has(datum.parentId) ? datum.parentId : virtualRoot))(data);
  root.sort((left, right) => left.data.sequence - right.data.sequence);
  const laidOut: HierarchyPointNode<Datum> = tidyTree<Datum>().nodeSize([columnWidth, rowHeight])(root);
  const placed: Placed[] = [];
  const positions = new Map<string, Placed>();
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const item of laidOut.descendants()) {
    if (item.data.id === virtualRoot) continue;
    const entry = { node: item.data as TreeNode, x: item.x, y: item.y - rowHeight };
    placed.push(entry);
    positions.set(entry.node.id, entry);
    minX = Math.min(minX, entry.x);
    maxX = Math.max(maxX, entry.x);
    minY = Math.min(minY, entry.y);
    maxY = Math.max(maxY, entry.y);
  }
  return { placed, positions, minX, maxX, minY, maxY };
}

function linkPath(from: Placed, to: Placed): string {
  const middle = (from.y + to.y) / 2;
  return `M${from.x},${from.y} C${from.x},${middle} ${to.x},${middle} ${to.x},${to.y}`;
}
