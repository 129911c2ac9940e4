import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { PopulationView } from '../../../src/serve/api-types.ts';
import { asNumber, formatScore, rampColor, shortId } from '../format.ts';
import { navigate } from '../router.tsx';

/**
 * The MAP-Elites grid as a heat map: two feature dimensions on the axes, each cell coloured by the
 * best elite in it (over all islands, or one island), empty cells blank. With more than two
 * dimensions the others are folded (the best over them). Clicking a cell opens its elite.
 */
export function HeatMap(props: { population: PopulationView }): JSX.Element {
  const { dimensions, cells, islands } = props.population;
  const [xDimension, setXDimension] = useState(0);
  const [yDimension, setYDimension] = useState(Math.min(1, dimensions.length - 1));
  const [island, setIsland] = useState<number | 'all'>('all');
  const grid = useMemo(() => {
    const xBins = dimensions[xDimension]?.bins ?? 1;
    const yBins = dimensions.length > 1 ? (dimensions[yDimension]?.bins ?? 1) : 1;
    const best = new Map<string, { score: number; programId: string; raw: PopulationView['cells'][number]['score'] }>();
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const cell of cells) {
      if (island !== 'all' && cell.island !== island) continue;
      const score = asNumber(cell.score);
      if (score === null) continue;
      const key = `${cell.coordinates[xDimension] ?? 0},${dimensions.length > 1 ? (cell.coordinates[yDimension] ?? 0) : 0}`;
      const current = best.get(key);
      if (current === undefined || score > current.score) best.set(key, { score, programId: cell.programId, raw: cell.score });
      low = Math.min(low, score);
      high = Math.max(high, score);
    }
    return { xBins, yBins, best, low, high: high > low ? high : low + 1 };
  }, [cells, dimensions, xDimension, yDimension, island]);

  if (dimensions.length === 0) return <p class="muted">This run has no feature dimensions.</p>;
  const rows = Array.from({ length: grid.yBins }, (_, row) => grid.yBins - 1 - row);
  const columns = Array.from({ length: grid.xBins }, (_, column) => column);
  return (
    <div class="heat-map-block">
      <div class="controls">
        <label>
          x{' '}
          <select value={xDimension} onChange={(event) => setXDimension(Number((event.target as HTMLSelectElement).value))}>
            {dimensions.map((dimension, index) => (
              <option key={dimension.name} value={index}>
                {dimension.name}
              </option>
            ))}
          </select>
        </label>
        {dimensions.length > 1 ? (
          <label>
            y{' '}
            <select value={yDimension} onChange={(event) => setYDimension(Number((event.target as HTMLSelectElement).value))}>
              {dimensions.map((dimension, index) => (
                <option key={dimension.name} value={index}>
                  {dimension.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          island{' '}
          <select value={String(island)} onChange={(event) => {
            const value = (event.target as HTMLSelectElement).value;
            setIsland(value === 'all' ? 'all' : Number(value));
          }}>
            <option value="all">all</option>
            {islands.map((item) => (
              <option key={item.index} value={item.index}>
                {item.index}
              </option>
            ))}
          </select>
        </label>
        <span class="muted">{grid.best.size} of {grid.xBins * grid.yBins} cells filled</span>
      </div>
      <div class="heat-map" data-testid="heat-map" style={{ gridTemplateColumns: `auto repeat(${grid.xBins}, minmax(14px, 1fr))` }}>
        {rows.map((row) => [
          <div key={`label-${row}`} class="heat-axis">
            {dimensions.length > 1 ? binLabel(dimensions[yDimension]!, row) : ''}
          </div>,
          ...columns.map((column) => {
            const cell = grid.best.get(`${column},${row}`);
            return cell === undefined ? (
              <div key={`${column}-${row}`} class="heat-cell empty" />
            ) : (
              <button
                type="button"
                key={`${column}-${row}`}
                class="heat-cell"
                data-testid="heat-cell"
                style={{ background: rampColor((cell.score - grid.low) / (grid.high - grid.low)) }}
                title={`${shortId(cell.programId)}: ${formatScore(cell.raw)}`}
                onClick={() => navigate(`/programs/${encodeURIComponent(cell.programId)}`)}
              />
            );
          }),
        ])}
        <div class="heat-axis" />
        {columns.map((column) => (
          <div key={`x-${column}`} class="heat-axis x">
            {column % Math.max(1, Math.ceil(grid.xBins / 6)) === 0 ? binLabel(dimensions[xDimension]!, column) : ''}
          </div>
        ))}
      </div>
    </div>
  );
}

function binLabel(dimension: { bins: number; min: number; max: number }, bin: number): string {
  if (!(dimension.max > dimension.min)) return String(bin);
  const value = dimension.min + ((dimension.max - dimension.min) * bin) / dimension.bins;
  return Math.abs(value) >= 1000 ? value.toExponential(1) : Number(value.toPrecision(3)).toString();
}
