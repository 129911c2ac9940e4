import type { LibraryChanges } from './library-changes.ts';
import type { LibraryView } from './library-view.ts';
import type { ProposalGate } from './proposal-gate.ts';
import type { LibrarySkillCatalog } from './skill-catalog.ts';

/**
 * What every connection of one `lamarck mcp` process shares (the library, its index, the change
 * watcher, the skills catalog, the gate) and what each connection is allowed.
 */
export interface McpSharedOptions {
  view: LibraryView;
  /** The active skills as the MCP skills extension serves them (one catalog for every connection). */
  skills: LibrarySkillCatalog;
  /** Tells every connection when the library moves, also by another process. */
  changes: LibraryChanges;
  /** Hard cap on tokens of skills and lessons, as `lamarck run` injects them (`learn.tokenBudget`). */
  tokenBudget: number;
  /** Most skills and lessons injected per task (`learn.maxItems`). */
  maxItems: number;
  /** Where notes about the server go (stderr for the CLI: stdout is the stdio transport). */
  log: (line: string) => void;
  /** The gate `propose` goes through; absent, `propose` answers that this server cannot gate. */
  proposals?: ProposalGate;
  /** Hosts synthesized tools may reach (`run_tool`, exposed tools), each only if the tool also declares it. */
  networkGrants?: readonly string[];
  /** Offer each active synthesized tool as an MCP tool of its own (`--expose-tools`). */
  exposeTools?: boolean;
}

export interface McpSessionAccess {
  /** Whether write tools (report_outcome, propose, rollback) may change the library on this connection. */
  write: boolean;
  /** Why not, when they may not: told to the client in the tool's error. */
  writeRefusal?: string;
}

export const serverName = 'lamarck';
