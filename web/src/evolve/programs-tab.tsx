import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ProgramPage, ProgramRow } from '../../../src/serve/api-types.ts';
import { queryString, useApi } from '../api.ts';
import { DataTable, Pager, type Column } from '../components/data-table.tsx';
import { ErrorNote, Loading, Section, StatusBadge } from '../components/page-bits.tsx';
import { formatCost, formatDuration, formatScore, shortId } from '../format.ts';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';

/** The run's programs, a page at a time: top, failed, unscored or all; sorted by any column. */
export function ProgramsTab(props: { runId: string }): JSX.Element {
  const [view, setView] = useState('top');
  const [sort, setSort] = useState<string | undefined>(undefined);
  const [order, setOrder] = useState<'asc' | 'desc' | undefined>(undefined);
  const [offset, setOffset] = useState(0);
  const limit = 50;
  const page = useApi<ProgramPage>(`/api/runs/${encodeURIComponent(props.runId)}/programs${queryString({ view, sort, order, offset, limit })}`);
  useLive(props.runId, page.reload, 800);
  const columns: Column<ProgramRow>[] = [
    { key: 'sequence', label: '#', numeric: true, render: (row) => row.sequence },
    { key: 'id', label: 'program', sortable: false, render: (row) => <Link href={`/programs/${encodeURIComponent(row.id)}`}>{shortId(row.id)}</Link> },
    { key: 'score', label: 'score', numeric: true, render: (row) => formatScore(row.score) },
    { key: 'status', label: 'status', render: (row) => <StatusBadge status={row.status} /> },
    { key: 'failureKind', label: 'failure', sortable: false, render: (row) => row.failureKind ?? '' },
    { key: 'operator', label: 'operator', render: (row) => row.operator },
    { key: 'island', label: 'island', numeric: true, render: (row) => row.island },
    { key: 'generation', label: 'generation', numeric: true, render: (row) => row.generation },
    { key: 'costUsd', label: 'cost', numeric: true, render: (row) => formatCost(row.costUsd) },
    { key: 'evaluateMs', label: 'evaluation', numeric: true, render: (row) => formatDuration(row.evaluateMs) },
  ];
  return (
    <Section
      title="Programs"
      testId="programs-section"
      actions={
        <div class="controls">
          {['top', 'failed', 'unscored', 'all'].map((name) => (
            <button type="button" key={name} class={view === name ? 'toggle active' : 'toggle'} data-testid={`view-${name}`} onClick={() => (setView(name), setOffset(0), setSort(undefined), setOrder(undefined))}>
              {name}
            </button>
          ))}
        </div>
      }
    >
      {page.error === undefined ? null : <ErrorNote message={page.error} />}
      {page.data === undefined ? (
        <Loading what="programs" />
      ) : (
        <>
          <DataTable
            testId="programs-table"
            columns={columns}
            rows={page.data.programs}
            rowKey={(row) => row.id}
            sort={sort}
            order={order}
            onSort={(key, next) => {
              setSort(key);
              setOrder(next);
              setOffset(0);
            }}
          />
          <Pager offset={offset} limit={limit} total={page.data.total} onChange={setOffset} />
        </>
      )}
    </Section>
  );
}
