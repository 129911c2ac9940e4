import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ArtifactRow } from '../../../src/serve/api-types.ts';
import { queryString, useApi } from '../api.ts';
import { DataTable, sortRows } from '../components/data-table.tsx';
import { ErrorNote, Loading, StatusBadge } from '../components/page-bits.tsx';
import { formatScore, formatTime } from '../format.ts';
import { useLive } from '../live.ts';
import { Link, navigate } from '../router.tsx';

const kinds = ['skill', 'lesson', 'guardrail', 'tool', 'prompt'];

/** The learned library: skills, lessons, guardrails, tools and prompts with their counters. */
export function LibraryPage(props: { kind: string | undefined }): JSX.Element {
  const library = useApi<{ artifacts: ArtifactRow[] }>(`/api/library${queryString({ kind: props.kind })}`);
  useLive(null, library.reload, 1000);
  const [sort, setSort] = useState('name');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const rows = library.data === undefined ? [] : sortRows(library.data.artifacts, (row) => (row as unknown as Record<string, unknown>)[sort], order);
  return (
    <div>
      <div class="page-title">
        <h1>Library</h1>
        <div class="controls">
          {[undefined, ...kinds].map((kind) => (
            <button type="button" key={kind ?? 'all'} class={props.kind === kind ? 'toggle active' : 'toggle'} onClick={() => navigate(kind === undefined ? '/library' : `/library?kind=${kind}`)}>
              {kind === undefined ? 'all' : `${kind}s`}
            </button>
          ))}
        </div>
      </div>
      {library.error === undefined ? null : <ErrorNote message={library.error} />}
      {library.data === undefined ? (
        <Loading what="the library" />
      ) : (
        <div class="panel">
          <DataTable
            testId="library-table"
            columns={[
              { key: 'name', label: 'name', render: (row) => <Link href={`/library/${row.kind}/${encodeURIComponent(row.name)}`} data-testid="artifact-link">{row.name}</Link> },
              { key: 'kind', label: 'kind', render: (row) => row.kind },
              { key: 'status', label: 'status', render: (row) => <StatusBadge status={row.status} /> },
              { key: 'version', label: 'head', numeric: true, render: (row) => `v${row.version} of ${row.versions}` },
              { key: 'utility', label: 'utility', numeric: true, title: '(successes + 1) / (uses + 2)', render: (row) => formatScore(row.utility, 2) },
              { key: 'uses', label: 'uses', numeric: true, render: (row) => row.uses },
              { key: 'successes', label: 'successes', numeric: true, render: (row) => row.successes },
              { key: 'helpful', label: 'helpful', numeric: true, render: (row) => row.helpful },
              { key: 'harmful', label: 'harmful', numeric: true, render: (row) => row.harmful },
              { key: 'summary', label: 'what it says', sortable: false, render: (row) => <span class="summary">{row.summary}</span> },
              { key: 'updatedAt', label: 'updated', render: (row) => formatTime(row.updatedAt) },
            ]}
            rows={rows}
            rowKey={(row) => `${row.kind}/${row.name}`}
            sort={sort}
            order={order}
            onSort={(key, next) => {
              setSort(key);
              setOrder(next);
            }}
            empty="The library is empty: lamarck learn fills it."
          />
        </div>
      )}
    </div>
  );
}
