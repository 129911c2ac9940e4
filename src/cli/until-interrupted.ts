/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM, for the commands that serve until stopped
 * (`lamarck serve`, `lamarck mcp --http`). Both handlers are removed then, so a second Ctrl-C ends
 * the process as usual if closing hangs.
 */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
