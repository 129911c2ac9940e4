import { spawn } from 'node:child_process';

interface ContenderReport {
  label: string;
  leases: number[];
  refusals: string[];
  swaps: number[];
  owners: string[];
}

const contenderScript = new URL('../support/race-lease.ts', import.meta.url).pathname;

/** A real child process racing for leases; `ready` once its store is open, `report` with its last line. */
export function startContender(
  url: string,
  label: string,
  rounds: number,
): { ready: Promise<void>; go(): void; report: Promise<ContenderReport>; exit(): void; closed: Promise<void> } {
  const child = spawn(process.execPath, [contenderScript, url, label, String(rounds)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let reported: (report: ContenderReport) => void = () => undefined;
  const report = new Promise<ContenderReport>((resolve) => {
    reported = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
    const reportLine = stdout.split('\n').find((line) => line.startsWith('{') && line.length > 0);
    if (reportLine !== undefined && stdout.includes(`${reportLine}\n`)) reported(JSON.parse(reportLine) as ContenderReport);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const closed = new Promise<void>((resolve, reject) => {
    child.on('close', (code) => {
      markReady();
      if (code === 0) resolve();
      else reject(new Error(`contender ${label} exited ${code}: ${stderr}`));
    });
  });
  // A contender that dies before reporting fails the report too, instead of leaving it pending.
  const failedEarly = closed.then(() => Promise.reject(new Error(`contender ${label} exited without a report: ${stderr}`)));
  failedEarly.catch(() => undefined);
  return {
    ready,
    go: () => child.stdin.write('go\n'),
    report: Promise.race([report, failedEarly]),
    exit: () => child.stdin.end('exit\n'),
    closed,
  };
}
