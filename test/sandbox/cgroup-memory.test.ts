import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupMemorySupport, cgroupTwoMounts, detectCgroupMemory, EvaluationCgroup, ownCgroupPath } from '../../src/sandbox/cgroup-memory.ts';
import { resolveInterpreter } from '../../src/sandbox/resolve-interpreter.ts';
import { runProcess } from '../../src/sandbox/run-process.ts';

/**
 * Detection reads /proc/self/mountinfo, /proc/self/cgroup and the cgroup directories, so it is
 * tested on trees shaped like the machines it meets, built under a temporary root: this one
 * (cgroup v1 controllers with a v2 `unified` mount that has no memory controller), a v1-only
 * machine, a systemd machine that delegates memory to a user slice, and an operator-given group.
 * The last test runs a real memory blow-up here, on whichever path this machine offers.
 */
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lamarck-cgroup-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const base = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(base, file)), { recursive: true });
    writeFileSync(path.join(base, file), content);
  }
  return base;
}

const hybridMountinfo = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('detectCgroupMemory', () => {
  it('parses cgroup2 mounts (with escaped paths) and the unified line of /proc/self/cgroup', () => {
    expect(cgroupTwoMounts(`${hybridMountinfo}\n41 30 0:38 /inner /mnt/with\\040space rw - cgroup2 none rw`)).toEqual([
      { root: '/', mountPoint: '/sys/fs/cgroup/unified' },
      { root: '/inner', mountPoint: '/mnt/with space' },
    ]);
    expect(ownCgroupPath('4:memory:/process_api/abc\n0::/user.slice/app.scope\n')).toBe('/user.slice/app.scope');
    expect(ownCgroupPath('4:memory:/x\n')).toBeUndefined();
  });

  it('falls back on a hybrid machine whose v2 mount lacks the memory controller (as here)', () => {
    const base = tree('hybrid', {
      'proc/self/mountinfo': hybridMountinfo,
      'proc/self/cgroup': '4:memory:/process_api/abc\n0::/\n',
      'sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb\n',
      'sys/fs/cgroup/unified/cgroup.subtree_control': '\n',
    });
    const support = detectCgroupMemory({ root: base, environment: {} });
    expect(support.available).toBe(false);
    expect(support.reason).toMatch(/has no memory controller \(it is bound to cgroup v1 here\)/);
  });

  it('falls back on a machine with cgroup v1 only', () => {
    const base = tree('v1-only', {
      'proc/self/mountinfo': '34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n',
      'proc/self/cgroup': '4:memory:/\n',
    });
    expect(detectCgroupMemory({ root: base, environment: {} })).toEqual({
      available: false,
      reason: 'no cgroup v2 file system is mounted (cgroup v1 only)',
    });
  });

  it('falls back when the memory controller exists but is not delegated to child groups', () => {
    const base = tree('not-delegated', {
      'proc/self/mountinfo': '40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
      'proc/self/cgroup': '0::/docker/c1\n',
      'sys/fs/cgroup/docker/c1/cgroup.controllers': 'cpu memory pids\n',
      'sys/fs/cgroup/docker/c1/cgroup.subtree_control': '\n',
      'sys/fs/cgroup/docker/cgroup.controllers': 'cpu memory pids\n',
      'sys/fs/cgroup/docker/cgroup.subtree_control': 'cpu pids\n',
    });
    const support = detectCgroupMemory({ root: base, environment: {} });
    expect(support.available).toBe(false);
    expect(support.reason).toMatch(/does not delegate the memory controller/);
  });

  it('uses the parent group where systemd delegates memory, after a real probe moved a shell into a group there', () => {
    const base = tree('delegated', {
      'proc/self/mountinfo': '40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
      'proc/self/cgroup': '0::/user.slice/app.slice/run.scope\n',
      'sys/fs/cgroup/user.slice/app.slice/run.scope/cgroup.controllers': 'cpu memory pids\n',
      'sys/fs/cgroup/user.slice/app.slice/run.scope/cgroup.subtree_control': '\n',
      'sys/fs/cgroup/user.slice/app.slice/cgroup.controllers': 'cpu memory pids\n',
      'sys/fs/cgroup/user.slice/app.slice/cgroup.subtree_control': 'memory pids\n',
    });
    const parent = path.join(base, 'sys/fs/cgroup/user.slice/app.slice');
    expect(detectCgroupMemory({ root: base, environment: {} })).toMatchObject({ available: true, parent });
    // The probe group got its limit and the probing shell's pid (a plain directory keeps both files).
    const probe = readdirSync(parent).find((name) => name.startsWith('lamarck-'))!;
    expect(readFileSync(path.join(parent, probe, 'memory.max'), 'utf8')).toBe(String(64 * 1024 * 1024));
    expect(Number(readFileSync(path.join(parent, probe, 'cgroup.procs'), 'utf8'))).toBeGreaterThan(0);
  });

  it('prefers the group an operator names in LAMARCK_CGROUP', () => {
    const base = tree('explicit', {
      'proc/self/mountinfo': '40 30 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
      'proc/self/cgroup': '0::/\n',
      'sys/fs/cgroup/cgroup.controllers': 'memory\n',
      'sys/fs/cgroup/cgroup.subtree_control': '\n',
      'sys/fs/cgroup/lamarck.slice/cgroup.controllers': 'memory\n',
      'sys/fs/cgroup/lamarck.slice/cgroup.subtree_control': 'memory\n',
    });
    const support = detectCgroupMemory({ root: base, environment: { LAMARCK_CGROUP: '/sys/fs/cgroup/lamarck.slice' }, probe: false });
    expect(support).toMatchObject({ available: true, parent: path.join(base, 'sys/fs/cgroup/lamarck.slice') });
  });
});

describe('EvaluationCgroup', () => {
  it('writes the limit and reads the kernel evidence back: OOM kills, peak, CPU', async () => {
    const parent = tree('evidence', { 'placeholder': '' });
    const group = EvaluationCgroup.create(parent, 200 * 1024 * 1024)!;
    expect(readFileSync(path.join(group.directory, 'memory.max'), 'utf8')).toBe(String(200 * 1024 * 1024));
    expect(group.outOfMemoryKills()).toBe(0);
    writeFileSync(path.join(group.directory, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
    writeFileSync(path.join(group.directory, 'memory.peak'), '209715200\n');
    writeFileSync(path.join(group.directory, 'cpu.stat'), 'usage_usec 1534000\nuser_usec 1200000\nsystem_usec 334000\n');
    expect(group.outOfMemoryKills()).toBe(1);
    expect(group.peakBytes()).toBe(209_715_200);
    expect(group.cpuMs()).toBe(1534);
    // A plain directory with files in it cannot be removed as a cgroup can; the refusal is reported.
    expect(await group.remove()).toBe(false);
  });
});

describe('memory enforcement on this machine', () => {
  it('stops a memory blow-up as a memory failure on whichever path the machine offers', async () => {
    const python = (await resolveInterpreter(['python3']))[0]!;
    const support = cgroupMemorySupport();
    const script = 'import time\nchunks = []\nfor _ in range(512):\n    chunks.append(b"x" * (8 << 20))\n    time.sleep(0.01)';
    const result = await runProcess({ command: [python, '-c', script], timeoutMs: 300_000, memoryLimitMb: 100 });
    expect(result.memoryEnforcement).toBe(support.available ? 'cgroup-v2' : 'rss-sampling');
    expect(result.memoryExceeded).toBe(true);
    expect(result.stop?.reason).toBe('memory');
    expect(result.signal).toBe('SIGKILL');
  });
});
