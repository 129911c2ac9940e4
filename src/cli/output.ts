import { isLamarckError } from '../core/errors.ts';

/**
 * How the CLI talks to people and to programs: one-line errors (stacks only under --verbose),
 * JSON when asked, and a progress line that is drawn only on a terminal.
 */
export interface Output {
  readonly json: boolean;
  readonly verbose: boolean;
  /** Human-readable text to stdout (suppressed in --json mode). */
  info(text: string): void;
  /** Warnings to stderr, always. */
  warn(text: string): void;
  /** Human-readable text about data printed on stdout (e.g. headers of `best --code`), to stderr so stdout stays the data alone. */
  note(text: string): void;
  /** One JSON document to stdout. */
  printJson(value: unknown): void;
  /** Redraws one progress line on stderr when it is a terminal; silent otherwise. */
  progress(text: string): void;
  /** Ends the progress line so the next output starts on a fresh line. */
  endProgress(): void;
}

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function createOutput(
  options: { json: boolean; verbose: boolean },
  streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr },
): Output {
  let progressShown = false;
  const showProgress = streams.stderr.isTTY === true && !options.json;
  return {
    json: options.json,
    verbose: options.verbose,
    info(text) {
      if (options.json) return;
      if (progressShown) this.endProgress();
      streams.stdout.write(`${text}\n`);
    },
    warn(text) {
      if (progressShown) this.endProgress();
      streams.stderr.write(`warning: ${text}\n`);
    },
    note(text) {
      if (options.json) return;
      if (progressShown) this.endProgress();
      streams.stderr.write(`${text}\n`);
    },
    printJson(value) {
      streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    progress(text) {
      if (!showProgress) return;
      // Some terminals report 0 columns; treat that like an unknown width.
      const width = Math.max(20, (streams.stderr.columns || 100) - 1);
      streams.stderr.write(`\r\u001b[2K${text.slice(0, width)}`);
      progressShown = true;
    },
    endProgress() {
      if (!progressShown) return;
      streams.stderr.write('\n');
      progressShown = false;
    },
  };
}

/** The one line (or, verbose, the stack) printed for an error that ends a command. */
export function formatError(error: unknown, verbose: boolean): string {
  if (verbose && error instanceof Error && error.stack !== undefined) {
    let text = error.stack;
    let cause: unknown = error.cause;
    while (cause instanceof Error) {
      text += `\ncaused by: ${cause.stack ?? cause.message}`;
      cause = cause.cause;
    }
    return text;
  }
  if (isLamarckError(error)) {
    const hint = error.fault === 'internal' ? ' (this is a bug in lamarck; run with --verbose for details)' : '';
    return `error: ${error.message}${hint}`;
  }
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}
