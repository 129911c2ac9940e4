import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ArtifactDetail, SessionInfo } from '../../../src/serve/api-types.ts';
import { fetchJson, queryString, useApi } from '../api.ts';
import { ErrorNote, Loading, Section, Stat, StatusBadge } from '../components/page-bits.tsx';
import { DiffView, FieldList, ValueView } from '../components/text-views.tsx';
import { formatScore, formatTime, shortId } from '../format.ts';
import { Link } from '../router.tsx';

/**
 * One artifact: its versions (content, message, gate figures, the task and trajectory behind
 * each), a diff between any two, and rollback, which needs the server's token and goes through the
 * library exactly as `lamarck skills rollback` does.
 */
export function ArtifactPage(props: { kind: string; name: string; session: SessionInfo | undefined }): JSX.Element {
  const path = `/api/library/${encodeURIComponent(props.kind)}/${encodeURIComponent(props.name)}`;
  const detail = useApi<ArtifactDetail>(path);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [to, setTo] = useState<number | undefined>(undefined);
  if (detail.data === undefined) return detail.error === undefined ? <Loading what={props.name} /> : <ErrorNote message={detail.error} />;
  const data = detail.data;
  const numbers = data.versions.map((version) => version.number);
  const newest = numbers[0]!;
  const oldest = numbers[numbers.length - 1]!;
  const diffFrom = from ?? (numbers.length > 1 ? numbers[1]! : oldest);
  const diffTo = to ?? newest;
  return (
    <div>
      <div class="page-title">
        <div>
          <h1>
            {data.artifact.kind} <span data-testid="artifact-name">{data.artifact.name}</span>
          </h1>
          <p class="muted">
            <Link href={`/library?kind=${data.artifact.kind}`}>{data.artifact.kind}s</Link> · updated {formatTime(data.artifact.updatedAt)}
          </p>
        </div>
        <StatusBadge status={data.artifact.status} />
      </div>
      <div class="stats">
        <Stat label="head" testId="artifact-head" value={`v${data.artifact.version}`} />
        <Stat label="versions" value={data.artifact.versions} />
        <Stat label="utility" value={formatScore(data.artifact.utility, 2)} title="(successes + 1) / (uses + 2)" />
        <Stat label="uses · successes" value={`${data.artifact.uses} · ${data.artifact.successes}`} />
        <Stat label="helpful · harmful" value={`${data.artifact.helpful} · ${data.artifact.harmful}`} />
      </div>
      <Section
        title="Diff between versions"
        testId="version-diff"
        actions={
          <div class="controls">
            <select aria-label="from version" value={diffFrom} onChange={(event) => setFrom(Number((event.target as HTMLSelectElement).value))}>
              {numbers.map((number) => (
                <option key={number} value={number}>
                  v{number}
                </option>
              ))}
            </select>
            →
            <select aria-label="to version" value={diffTo} onChange={(event) => setTo(Number((event.target as HTMLSelectElement).value))}>
              {numbers.map((number) => (
                <option key={number} value={number}>
                  v{number}
                </option>
              ))}
            </select>
          </div>
        }
      >
        {numbers.length < 2 ? <p class="muted">Only one version so far.</p> : <VersionDiff path={path} from={diffFrom} to={diffTo} />}
      </Section>
      <Section title="Versions, newest first" testId="versions">
        {data.versions.map((version) => (
          <article key={version.id} class={version.head ? 'version-card head' : 'version-card'} data-testid="version-card">
            <header>
              <strong>v{version.number}</strong> {version.head ? <span class="badge status-finished">head</span> : null} <span class="muted">{formatTime(version.createdAt)}</span> · {version.message}
              {version.head ? null : <RollbackButton path={path} version={version.number} session={props.session} onDone={detail.reload} />}
            </header>
            {version.trajectories.length === 0 ? null : (
              <p>
                produced by{' '}
                {version.trajectories.map((trajectory) => (
                  <span key={trajectory.id}>
                    {trajectory.taskId === null ? '' : `task ${trajectory.taskId}, `}
                    <Link href={`/trajectories/${encodeURIComponent(trajectory.id)}`} class="chip">
                      {shortId(trajectory.id)}
                    </Link>{' '}
                  </span>
                ))}
              </p>
            )}
            <details>
              <summary>content</summary>
              <ValueView value={version.text} testId={`version-${version.number}-text`} />
            </details>
            {version.evaluation !== null && typeof version.evaluation === 'object' && Object.keys(version.evaluation).length > 0 ? (
              <details>
                <summary>gate figures and provenance</summary>
                <FieldList fields={version.evaluation as Record<string, unknown>} />
              </details>
            ) : null}
          </article>
        ))}
      </Section>
    </div>
  );
}

function VersionDiff(props: { path: string; from: number; to: number }): JSX.Element {
  const diff = useApi<{ diff: string }>(`${props.path}/diff${queryString({ from: props.from, to: props.to })}`);
  if (diff.data === undefined) return diff.error === undefined ? <Loading /> : <ErrorNote message={diff.error} />;
  return <DiffView diff={diff.data.diff} testId="artifact-diff" />;
}

/**
 * Rollback is a write: the server accepts it only when it was started with a token, and every
 * request to such a server already carries the token (its cookie), so the button just asks twice.
 */
function RollbackButton(props: { path: string; version: number; session: SessionInfo | undefined; onDone(): void }): JSX.Element {
  const [armed, setArmed] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);
  if (props.session !== undefined && !props.session.tokenConfigured) {
    return <span class="muted rollback-note"> · rollback needs a token: restart lamarck serve with --token</span>;
  }
  const submit = async (): Promise<void> => {
    setMessage(undefined);
    try {
      await fetchJson(`${props.path}/rollback`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ version: props.version }) });
      setArmed(false);
      props.onDone();
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <span class="rollback">
      {' '}
      <button type="button" class={armed ? 'small danger' : 'small'} data-testid={`rollback-${props.version}`} onClick={() => (armed ? void submit() : setArmed(true))}>
        {armed ? `confirm: make v${props.version} the head` : `roll back to v${props.version}`}
      </button>
      {armed ? (
        <button type="button" class="link-button" onClick={() => setArmed(false)}>
          cancel
        </button>
      ) : null}
      {message === undefined ? null : <span class="error-note">{message}</span>}
    </span>
  );
}
