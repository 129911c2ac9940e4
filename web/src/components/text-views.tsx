import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { prettyJson } from '../format.ts';

/**
 * Untrusted text (program code, diffs, artifacts, prompts, model replies) is only ever placed in
 * text nodes, never parsed as HTML: a `<script>` in a program is shown as the characters it is.
 */
export function CodeView(props: { text: string; testId?: string; maxHeight?: number }): JSX.Element {
  const lines = props.text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return (
    <pre class="code" data-testid={props.testId} style={props.maxHeight === undefined ? undefined : { maxHeight: `${props.maxHeight}px` }}>
      {lines.map((line, index) => (
        <div key={index} class="code-line">
          <span class="line-number">{index + 1}</span>
          <span class="line-text">{line === '' ? ' ' : line}</span>
        </div>
      ))}
    </pre>
  );
}

export function DiffView(props: { diff: string | null; empty?: string; testId?: string }): JSX.Element {
  if (props.diff === null || props.diff.trim() === '') return <p class="muted">{props.empty ?? 'no differences'}</p>;
  const lines = props.diff.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return (
    <pre class="code diff" data-testid={props.testId}>
      {lines.map((line, index) => {
        const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'added' : line.startsWith('-') ? 'removed' : 'context';
        return (
          <div key={index} class={`diff-line ${kind}`}>
            {line === '' ? ' ' : line}
          </div>
        );
      })}
    </pre>
  );
}

/** A value of unknown shape: strings as text, anything else as indented JSON. Long ones fold. */
export function ValueView(props: { value: unknown; testId?: string }): JSX.Element {
  const text = typeof props.value === 'string' ? props.value : prettyJson(props.value);
  const [open, setOpen] = useState(text.length <= 4000);
  return (
    <div class="value-view">
      <pre class="text-block" data-testid={props.testId}>
        {open ? text : `${text.slice(0, 4000)}…`}
      </pre>
      {text.length > 4000 ? (
        <button type="button" class="link-button" onClick={() => setOpen(!open)}>
          {open ? 'show less' : `show all ${text.length.toLocaleString('en-US')} characters`}
        </button>
      ) : null}
    </div>
  );
}

/** Key–value pairs of a record (metrics, figures), values formatted safely. */
export function FieldList(props: { fields: Record<string, unknown> | null | undefined; testId?: string; empty?: string }): JSX.Element {
  const entries = Object.entries(props.fields ?? {});
  if (entries.length === 0) return <p class="muted">{props.empty ?? 'none'}</p>;
  return (
    <dl class="field-list" data-testid={props.testId}>
      {entries.map(([key, value]) => (
        <div key={key} class="field">
          <dt>{key}</dt>
          <dd>{typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || value === null ? String(value) : prettyJson(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
