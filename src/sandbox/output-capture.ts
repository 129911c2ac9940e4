/**
 * Keeps the head and the tail of a stream whose total size is unbounded, so a child that prints
 * gigabytes costs the host at most `headBytes + tailBytes` of memory. Every byte is still counted:
 * the caller drains the pipe completely, so the child never blocks on a full pipe.
 */
export class OutputCapture {
  readonly headBytes: number;
  readonly tailBytes: number;
  private readonly head: Buffer[] = [];
  private headLength = 0;
  private tail: Buffer[] = [];
  private tailLength = 0;
  private total = 0;

  constructor(headBytes: number, tailBytes: number) {
    this.headBytes = Math.max(0, Math.floor(headBytes));
    this.tailBytes = Math.max(0, Math.floor(tailBytes));
  }

  /** Bytes seen so far, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.total > this.headBytes + this.tailBytes;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headLength < this.headBytes) {
      const taken = rest.subarray(0, this.headBytes - this.headLength);
      // Copy: the stream may reuse its buffers, and a subarray would pin the whole chunk.
      this.head.push(Buffer.from(taken));
      this.headLength += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0 || this.tailBytes === 0) return;
    if (rest.length >= this.tailBytes) {
      this.tail = [Buffer.from(rest.subarray(rest.length - this.tailBytes))];
      this.tailLength = this.tailBytes;
      return;
    }
    this.tail.push(Buffer.from(rest));
    this.tailLength += rest.length;
    this.trimTail();
  }

  /** The kept text; when bytes were dropped, a marker between head and tail says how many. */
  text(): string {
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    const dropped = this.total - head.length - tail.length;
    if (dropped <= 0) return Buffer.concat([head, tail]).toString('utf8');
    return `${head.toString('utf8')}\n[... ${dropped} bytes dropped ...]\n${tail.toString('utf8')}`;
  }

  private trimTail(): void {
    while (this.tailLength > this.tailBytes) {
      const first = this.tail[0]!;
      const excess = this.tailLength - this.tailBytes;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailLength -= first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailLength -= excess;
      }
    }
    // Many tiny writes would otherwise leave a long array of slivers; merge them now and then.
    if (this.tail.length > 256) this.tail = [Buffer.concat(this.tail)];
  }
}
