import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { RunList, RunRow } from '../../../src/serve/api-types.ts';
import { queryString, useApi } from '../api.ts';
import { DataTable, Pager, type Column } from '../components/data-table.tsx';
import { ErrorNote, Loading, StatusBadge } from '../components/page-bits.tsx';
import { formatCost, formatCount, formatDuration, formatScore, formatTime, shortId } from '../format.ts';
import { useLive } from '../live.ts';
import { Link, navigate } from '../router.tsx';

/** Every run in the store, filtered by kind and status and sorted by any column (on the server). */
export function RunsPage(): JSX.Element {
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState('createdAt');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [offset, setOffset] = useState(0);
  const [attempts, setAttempts] = useState(false);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const limit = 100;
  const runs = useApi<RunList>(`/api/runs${queryString({ kind, status, sort, order, offset, limit, attempts: attempts ? undefined : 'hide' })}`);
  useLive(null, runs.reload, 500);

  const toggle = (id: string): void => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setPicked(next);
  };
  const columns: Column<RunRow>[] = [
    {
      key: 'pick',
      label: '',
      sortable: false,
      render: (row) =>
        row.kind === 'agent' ? null : <input type="checkbox" aria-label={`compare ${row.id}`} checked={picked.has(row.id)} onChange={() => toggle(row.id)} />,
    },
    {
      key: 'name',
      label: 'run',
      render: (row) => (
        <span class="run-cell">
          <Link href={`/runs/${encodeURIComponent(row.id)}`} data-testid="run-link">
            {row.name === '' ? row.id : row.name}
          </Link>
          <span class="muted mono" title={row.id}>
            {shortId(row.id)}
          </span>
        </span>
      ),
    },
    { key: 'kind', label: 'kind', render: (row) => (row.purpose === null ? row.kind : `${row.kind} (${row.purpose})`) },
    { key: 'status', label: 'status', render: (row) => <StatusBadge status={row.status} /> },
    { key: 'bestScore', label: 'best', numeric: true, title: 'evolve: best score; learn: tasks passed', render: (row) => formatScore(row.bestScore) },
    { key: 'iterations', label: 'iterations', numeric: true, title: 'evolve: attempts; learn: tasks; agent: steps', render: (row) => formatCount(row.iterations) },
    { key: 'costUsd', label: 'cost', numeric: true, render: (row) => formatCost(row.costUsd) },
    { key: 'tokens', label: 'tokens', numeric: true, render: (row) => formatCount(row.tokens) },
    { key: 'durationMs', label: 'duration', numeric: true, render: (row) => formatDuration(row.durationMs) },
    { key: 'createdAt', label: 'started', render: (row) => formatTime(row.createdAt) },
  ];
  return (
    <div>
      <div class="page-title">
        <h1>Runs</h1>
        <div class="controls">
          <label>
            kind{' '}
            <select data-testid="filter-kind" value={kind} onChange={(event) => (setKind((event.target as HTMLSelectElement).value), setOffset(0))}>
              <option value="">all</option>
              <option value="evolve">evolve</option>
              <option value="learn">learn</option>
              <option value="agent">agent</option>
            </select>
          </label>
          <label>
            status{' '}
            <select data-testid="filter-status" value={status} onChange={(event) => (setStatus((event.target as HTMLSelectElement).value), setOffset(0))}>
              <option value="">all</option>
              <option value="running">running</option>
              <option value="finished">finished</option>
              <option value="stopped">stopped</option>
              <option value="failed">failed</option>
              <option value="interrupted">interrupted</option>
            </select>
          </label>
          <label title="the agent runs a learn run starts for each task and gate attempt">
            <input type="checkbox" data-testid="show-attempts" checked={attempts} onChange={() => (setAttempts(!attempts), setOffset(0))} /> learn attempts
          </label>
          <button type="button" disabled={picked.size < 2} onClick={() => navigate(`/compare?runs=${[...picked].map(encodeURIComponent).join(',')}`)}>
            compare {picked.size > 0 ? picked.size : ''} selected
          </button>
        </div>
      </div>
      {runs.error === undefined ? null : <ErrorNote message={runs.error} />}
      {runs.data === undefined ? (
        <Loading what="runs" />
      ) : (
        <div class="panel">
          <DataTable
            testId="runs-table"
            columns={columns}
            rows={runs.data.runs}
            rowKey={(row) => row.id}
            sort={sort}
            order={order}
            onSort={(key, next) => {
              setSort(key);
              setOrder(next);
              setOffset(0);
            }}
            empty="No runs yet: start one with lamarck evolve, lamarck learn or lamarck run."
          />
          <Pager offset={offset} limit={limit} total={runs.data.total} onChange={setOffset} />
        </div>
      )}
    </div>
  );
}
