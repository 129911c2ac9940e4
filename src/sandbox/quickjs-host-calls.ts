import { hostCallErrorName, hostCallRefusal } from './quickjs-protocol.ts';
import { performToolFileOperation, type FileAccess } from './tool-files.ts';
import { CapabilityDeniedError, performToolFetch, type NetworkAccess } from './tool-network.ts';

/**
 * The host side of one call's host calls (`ctx.fetch`, `ctx.readFile`, ...). The worker only
 * forwards what the guest asked for; every request is checked here, on the host thread, against
 * what was granted, and counted, so a tool looping over ctx.fetch cannot open sockets without bound.
 * (The worker refuses a call past the in-flight cap before it is sent: only there are the guest's
 * pending calls known at once.)
 */
export type HostAnswer = { ok: true; text: string } | { ok: false; name: string; message: string };

export class HostCalls {
  private readonly network: NetworkAccess | undefined;
  private readonly files: FileAccess | undefined;
  private readonly stopped = new AbortController();
  private made = 0;
  private inFlight = 0;

  constructor(network: NetworkAccess | undefined, files: FileAccess | undefined) {
    this.network = network;
    this.files = files;
  }

  /** Performs one request; never throws. */
  async perform(operation: string, requestText: string): Promise<HostAnswer> {
    this.made += 1;
    const refusal = hostCallRefusal(this.made, this.inFlight);
    if (refusal !== undefined) return { ok: false, name: hostCallErrorName(operation), message: refusal };
    this.inFlight += 1;
    try {
      return { ok: true, text: await this.dispatch(operation, requestText) };
    } catch (error) {
      const name = error instanceof CapabilityDeniedError ? error.name : hostCallErrorName(operation);
      return { ok: false, name, message: error instanceof Error ? error.message : String(error) };
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Ends every request still in flight (the call is over). */
  stop(): void {
    this.stopped.abort();
  }

  private async dispatch(operation: string, requestText: string): Promise<string> {
    if (operation === 'fetch') {
      if (this.network === undefined || this.network.hosts.length === 0) throw new CapabilityDeniedError('network access was not granted to this tool');
      return performToolFetch(requestText, this.network, this.stopped.signal);
    }
    if (operation === 'readFile' || operation === 'listFiles' || operation === 'writeFile') {
      if (this.files === undefined) throw new CapabilityDeniedError('file access was not granted to this tool');
      return performToolFileOperation(operation, requestText, this.files);
    }
    throw new TypeError(`unknown host operation ${operation}`);
  }
}
