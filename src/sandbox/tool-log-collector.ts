const MAX_LOG_LINES = 200;
const MAX_LOG_BYTES = 64 * 1024;
const MAX_LOG_LINE_CHARS = 4096;

/** Console output of one call, capped in lines and bytes so a chatty tool cannot flood the host. */
export class ToolLogCollector {
  private readonly entries: string[] = [];
  private bytes = 0;
  private dropped = 0;

  add(level: string, message: string): void {
    if (this.entries.length >= MAX_LOG_LINES || this.bytes >= MAX_LOG_BYTES) {
      this.dropped += 1;
      return;
    }
    const clipped = message.length > MAX_LOG_LINE_CHARS ? `${message.slice(0, MAX_LOG_LINE_CHARS)}...` : message;
    const line = level === 'log' ? clipped : `[${level}] ${clipped}`;
    this.entries.push(line);
    this.bytes += line.length;
  }

  /** Lines dropped before they reached this collector (a sandbox worker stops forwarding past the cap). */
  addDropped(count: number): void {
    this.dropped += count;
  }

  lines(): string[] {
    return this.dropped === 0 ? [...this.entries] : [...this.entries, `[... ${this.dropped} more log lines dropped]`];
  }
}
