import { Curator } from '../library/curate/curator.ts';
import type { LibraryIndex } from '../library/retrieval/library-index.ts';
import type { LearnConfig } from './learn-config.ts';

/**
 * The curator that decides merge-or-add and retirement for a learn run, or for a proposal that
 * reaches the library another way (`lamarck mcp`'s `propose`), from the `learn.curation` settings.
 * With an embedding model, curation compares meanings; without one, TF-IDF over the library's words.
 */
export function curatorFromConfig(index: LibraryIndex, config: LearnConfig): Curator {
  const embed = index.hybrid ? async (text: string): Promise<number[]> => (await index.embedText(text)) ?? [] : undefined;
  return new Curator(
    index,
    {
      threshold: { percentile: config.curation.mergePercentile, fallback: config.curation.mergeFallback },
      retireAfterUses: config.curation.retireAfterUses,
      retireBelowUtility: config.curation.retireBelowUtility,
      maxLivePerKind: config.curation.maxLivePerKind,
    },
    embed,
  );
}
