import type { JSX } from 'preact';
import { LineageTree } from '../components/lineage-tree.tsx';
import { Section } from '../components/page-bits.tsx';

export function TreeTab(props: { runId: string; focus: string | undefined }): JSX.Element {
  return (
    <Section title="Lineage" testId="tree-section">
      <LineageTree runId={props.runId} focus={props.focus} />
    </Section>
  );
}
