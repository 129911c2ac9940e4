import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { FailureRow, FailureReport } from '../../../src/serve/api-types.ts';
import { queryString, useApi } from '../api.ts';
import { Pager } from '../components/data-table.tsx';
import { ErrorNote, Loading, Section, StatusBadge } from '../components/page-bits.tsx';
import { FieldList } from '../components/text-views.tsx';
import { shortId } from '../format.ts';
import { useLive } from '../live.ts';
import { Link } from '../router.tsx';

/** Failed and rejected attempts by kind, each with its evidence (message, exit, stage, stderr). */
export function FailuresTab(props: { runId: string }): JSX.Element {
  const [kind, setKind] = useState<string | undefined>(undefined);
  const [offset, setOffset] = useState(0);
  const limit = 20;
  const report = useApi<FailureReport>(`/api/runs/${encodeURIComponent(props.runId)}/failures${queryString({ kind, offset, limit })}`);
  useLive(props.runId, report.reload, 1000);
  if (report.data === undefined) return report.error === undefined ? <Loading what="failures" /> : <ErrorNote message={report.error} />;
  const data = report.data;
  return (
    <div class="two-columns wide-right">
      <Section title="By kind" testId="failure-kinds">
        {data.byKind.length === 0 ? (
          <p class="muted">No failed or rejected attempts.</p>
        ) : (
          <ul class="kind-list">
            <li>
              <button type="button" class={kind === undefined ? 'toggle active' : 'toggle'} onClick={() => (setKind(undefined), setOffset(0))}>
                all ({data.byKind.reduce((sum, item) => sum + item.count, 0)})
              </button>
            </li>
            {data.byKind.map((item) => (
              <li key={`${item.status}-${item.kind}`}>
                <button type="button" class={kind === item.kind ? 'toggle active' : 'toggle'} onClick={() => (setKind(item.kind), setOffset(0))}>
                  {item.kind} <span class="muted">({item.status})</span> {item.count}
                </button>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title={kind === undefined ? 'Newest first' : `${kind}, newest first`} testId="failure-list">
        {data.items.map((item) => (
          <FailureCard key={item.id} item={item} />
        ))}
        <Pager offset={offset} limit={limit} total={data.total} onChange={setOffset} />
      </Section>
    </div>
  );
}

export function FailureCard(props: { item: FailureRow }): JSX.Element {
  const { item } = props;
  const failure = item.failure ?? {};
  const { kind, message, stderrTail: _stderr, ...rest } = failure as { kind?: unknown; message?: unknown; stderrTail?: unknown } & Record<string, unknown>;
  return (
    <article class="failure-card" data-testid="failure-card">
      <header>
        <StatusBadge status={item.status} /> <strong>{String(kind ?? item.status)}</strong> · <Link href={`/programs/${encodeURIComponent(item.id)}`}>{shortId(item.id)}</Link> ·{' '}
        <span class="muted">
          #{item.sequence} · {item.operator}
        </span>
      </header>
      {typeof message === 'string' ? <p class="failure-message">{message}</p> : null}
      <FieldList
        fields={{
          ...(item.exitCode === null ? {} : { 'exit code': item.exitCode }),
          ...(item.signal === null ? {} : { signal: item.signal }),
          ...(item.stage === null ? {} : { stage: item.stage }),
          ...rest,
        }}
        empty=""
      />
      {item.stderrTail === null ? null : (
        <details open>
          <summary>stderr (end)</summary>
          <pre class="text-block stderr" data-testid="stderr-tail">
            {item.stderrTail}
          </pre>
        </details>
      )}
    </article>
  );
}
