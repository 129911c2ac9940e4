import type { ComponentChildren, JSX } from 'preact';

/**
 * A table whose column headers sort it. Sorting may happen here (small in-memory lists) or on the
 * server (paginated lists): the caller owns `sort` and `order` and reacts to `onSort`.
 */
export interface Column<Row> {
  key: string;
  label: string;
  render(row: Row): ComponentChildren;
  sortable?: boolean;
  numeric?: boolean;
  title?: string;
}

export function DataTable<Row>(props: {
  columns: Column<Row>[];
  rows: Row[];
  rowKey(row: Row): string;
  sort?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
  onSort?: (key: string, order: 'asc' | 'desc') => void;
  empty?: string;
  testId?: string;
  rowClass?: (row: Row) => string;
}): JSX.Element {
  const { columns, rows, sort, order } = props;
  return (
    <div class="table-wrap">
      <table class="data-table" data-testid={props.testId}>
        <thead>
          <tr>
            {columns.map((column) => {
              const active = sort === column.key;
              const sortable = column.sortable !== false && props.onSort !== undefined;
              const next: 'asc' | 'desc' = active && order === 'desc' ? 'asc' : 'desc';
              return (
                <th key={column.key} class={`${column.numeric === true ? 'numeric' : ''} ${active ? 'sorted' : ''}`} title={column.title} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
                  {sortable ? (
                    <button type="button" class="sort-button" data-sort={column.key} onClick={() => props.onSort!(column.key, next)}>
                      {column.label}
                      <span class="sort-mark">{active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} class="empty">
                {props.empty ?? 'nothing to show'}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={props.rowKey(row)} class={props.rowClass?.(row)}>
                {columns.map((column) => (
                  <td key={column.key} class={column.numeric === true ? 'numeric' : undefined}>
                    {column.render(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** Sorts a small list in memory by a column's value; missing values last. */
export function sortRows<Row>(rows: Row[], value: (row: Row) => unknown, order: 'asc' | 'desc'): Row[] {
  const direction = order === 'asc' ? 1 : -1;
  return [...rows].sort((left, right) => {
    const a = value(left);
    const b = value(right);
    const missingA = a === null || a === undefined || (typeof a === 'number' && Number.isNaN(a));
    const missingB = b === null || b === undefined || (typeof b === 'number' && Number.isNaN(b));
    if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
    if (typeof a === 'number' && typeof b === 'number') return direction * (a - b);
    return direction * String(a).localeCompare(String(b));
  });
}

export function Pager(props: { offset: number; limit: number; total: number; onChange(offset: number): void }): JSX.Element | null {
  if (props.total <= props.limit) return null;
  const last = Math.max(0, Math.floor((props.total - 1) / props.limit) * props.limit);
  return (
    <div class="pager">
      <button type="button" disabled={props.offset === 0} onClick={() => props.onChange(0)}>
        « first
      </button>
      <button type="button" disabled={props.offset === 0} onClick={() => props.onChange(Math.max(0, props.offset - props.limit))}>
        ‹ previous
      </button>
      <span>
        {props.offset + 1}–{Math.min(props.total, props.offset + props.limit)} of {props.total.toLocaleString('en-US')}
      </span>
      <button type="button" disabled={props.offset >= last} onClick={() => props.onChange(props.offset + props.limit)}>
        next ›
      </button>
      <button type="button" disabled={props.offset >= last} onClick={() => props.onChange(last)}>
        last »
      </button>
    </div>
  );
}
