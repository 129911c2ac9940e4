/**
 * `lamarck/mcp`: the learned library over MCP, for hosts that embed the server instead of running
 * `lamarck mcp` (the CLI is a thin caller of the same functions).
 */
export { openMcpLibrary, type OpenMcpLibrary, type OpenMcpLibraryOptions } from './open-mcp-library.ts';
export { createLamarckMcpServer, type LamarckMcpServer } from './create-server.ts';
export { serveMcpStdio, type StdioServeOptions } from './stdio-server.ts';
export { defaultMcpPort, startMcpHttpServer, type McpHttpOptions, type RunningMcpHttpServer } from './http-server.ts';
export { serverName, type McpSessionAccess, type McpSharedOptions } from './server-context.ts';
export { LibraryView } from './library-view.ts';
export { LibrarySkillCatalog, skillBaseUri, type SkillCatalogChange } from './skill-catalog.ts';
export { LibraryChanges, defaultPollMs, type LibraryChangeListener, type LibraryChangeSet } from './library-changes.ts';
export { itemId, itemUri, parseItemAddress, uriScheme, uriTemplates, type ItemAddress } from './item-addresses.ts';
export { readItem, type ItemView } from './item-content.ts';
export { serverVersion } from './server-version.ts';
export { ProposalGate, type ProposalGateOptions, type ProposalVerdict } from './proposal-gate.ts';
export { createConfiguredProposalGate, type ConfiguredGateOptions } from './configured-gate.ts';
export { ExposedTools } from './expose-tools.ts';
