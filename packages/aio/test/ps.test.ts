// `aio ps <pid>`: each test starts a real Node.js process (test/fixtures/ps-target.ts,
// a known task tree), runs the built CLI (packages/aio/dist/cli.js) against it as a
// user would, and checks the tree, that the process's inspector is closed again, and
// that the process still ends normally. The targets let the inspector pick a free
// port (--inspect-port=0), so nothing depends on 9229 being free; the tests of this
// file run one after the other.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// This file runs from packages/aio/.test-build/test/.
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/ps-target.js', import.meta.url));

interface Target {
  child: ChildProcess;
  pid: number;
  /** Everything the process wrote to stdout / stderr so far. */
  out: { stdout: string; stderr: string };
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `command args` and waits until it prints `ready <pid>`. */
async function start(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Target> {
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  started.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /^ready (\d+)$/m.exec(out.stdout);
    if (m !== null) return { child, pid: Number(m[1]), out, exited };
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the target did not get ready: ${out.stdout}${out.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The fixture, its inspector on a port of its choosing. */
function startFixture(
  nodeArgs = ['--inspect-port=0'],
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<Target> {
  return start(process.execPath, [...nodeArgs, fixture, ...args], env);
}

/** Ends the fixture (its stdin) and returns its exit code and last line. */
async function finish(t: Target): Promise<{ code: number | null; last: string }> {
  t.child.stdin!.end();
  const code = await Promise.race([
    t.exited,
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),
  ]);
  assert.notEqual(code, 'timeout', `the target did not end: a handle left open?\n${t.out.stderr}`);
  return { code: code as number | null, last: t.out.stdout.trimEnd().split('\n').pop()! };
}

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function aio(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface JsonTask {
  id: number;
  name: string;
  state: string;
  parentId: number | null;
  executing: boolean;
  waitingIn: {
    kind: string;
    detail: string;
    forMs: number | null;
    seenForMs: number;
    leftMs: number | null;
    taskIds: number[];
  } | null;
  createdAt: string | null;
}

interface JsonOutput {
  version: number;
  pid: number;
  loops: { id: number; tasks: JsonTask[] }[];
  inspector: { host: string; port: number; openedByAio: boolean; after: string };
}

function byName(out: JsonOutput): Map<string, JsonTask> {
  assert.equal(out.loops.length, 1);
  return new Map(out.loops[0]!.tasks.map((t) => [t.name, t]));
}

function oneLine(r: Result): void {
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `not one line: ${r.stderr}`);
}

describe('aio ps <pid>', () => {
  it('prints the task tree: each task under its creator, with what it is blocked in', async () => {
    const t = await startFixture();
    const r = await aio('ps', String(t.pid));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, new RegExp(`^pid ${t.pid} · node v\\d+.* · 1 loop, 10 tasks · `));
    assert.match(lines[1]!, /^loop #\d+ · time \d+\.\d ms$/);
    const tree = lines.slice(2).join('\n');
    assert.match(tree, /^└─ main #\d+ · TaskGroup exit \(waiting for children\)$/m);
    assert.match(tree, /^ {3}├─ sleeper #\d+ · sleep 3600000 ms · for [\d.]+ m?s, 59m\d\ds left$/m);
    assert.match(tree, /^ {3}├─ locker #\d+ · Lock\.acquire$/m);
    assert.match(tree, /^ {3}├─ getter #\d+ · Queue\.get$/m);
    assert.match(tree, /^ {3}├─ supervisor #\d+ · awaiting task 'worker' #\d+$/m);
    assert.match(tree, /^ {3}│ {2}└─ worker #\d+ · sleep 3600000 ms · /m);
    assert.match(
      tree,
      /^ {3}├─ gatherer #\d+ · gather \(2 of 2 pending\) → 'g1' #\d+, 'g2' #\d+$/m,
    );
    assert.match(tree, /^ {3}│ {2}├─ g1 #\d+ · Event\.wait$/m);
    assert.match(tree, /^ {3}│ {2}└─ g2 #\d+ · sleep 3600000 ms/m);
    assert.match(tree, /^ {3}└─ stdin-watcher #\d+ · cancellable\(promise\)$/m);

    // The process opened its inspector on SIGUSR1 once, and is left as it was found.
    assert.equal(t.out.stderr.match(/Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//g)?.length, 1);
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(t.out.stderr)![1]);
    assert.equal(await isListening(port), false, 'the inspector port is still open');
    assert.deepEqual(await finish(t), { code: 0, last: 'exited inspector=closed' });
  });

  it('--json gives names, parents, states and waits for tools, and how long each wait lasted', async () => {
    const t = await startFixture();
    const r = await aio('ps', '--json', String(t.pid));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as JsonOutput;
    assert.equal(out.version, 1);
    assert.equal(out.pid, t.pid);
    assert.equal(out.inspector.openedByAio, true);
    assert.equal(out.inspector.after, 'closed');
    assert.equal(await isListening(out.inspector.port), false);

    const tasks = byName(out);
    const id = (name: string): number => tasks.get(name)!.id;
    const expected: [string, string | null, string][] = [
      ['main', null, 'task-group'],
      ['sleeper', 'main', 'sleep'],
      ['locker', 'main', 'lock'],
      ['getter', 'main', 'queue.get'],
      ['supervisor', 'main', 'task'],
      ['worker', 'supervisor', 'sleep'],
      ['gatherer', 'main', 'gather'],
      ['g1', 'gatherer', 'event'],
      ['g2', 'gatherer', 'sleep'],
      ['stdin-watcher', 'main', 'promise'],
    ];
    assert.deepEqual([...tasks.keys()].sort(), expected.map(([n]) => n).sort());
    for (const [name, parent, kind] of expected) {
      const task = tasks.get(name)!;
      assert.equal(task.state, 'running', name);
      assert.equal(task.parentId, parent === null ? null : id(parent), `${name}'s parent`);
      assert.equal(task.waitingIn?.kind, kind, `${name} waits in`);
      assert.equal(task.executing, false);
      assert.equal(task.createdAt, null, 'creation sites are recorded in debug mode only');
    }
    assert.deepEqual(tasks.get('supervisor')!.waitingIn!.taskIds, [id('worker')]);
    assert.deepEqual(tasks.get('gatherer')!.waitingIn!.taskIds, [id('g1'), id('g2')]);
    const sleep = tasks.get('sleeper')!.waitingIn!;
    assert.ok(sleep.forMs !== null && sleep.forMs >= 0, 'a sleep knows how long it has lasted');
    assert.ok(sleep.leftMs !== null && Math.abs(sleep.forMs + sleep.leftMs - 3_600_000) < 1);
    assert.equal(tasks.get('locker')!.waitingIn!.forMs, null);

    // A second look knows the lock wait has lasted at least since the first one.
    const again = JSON.parse((await aio('ps', '--json', String(t.pid))).stdout) as JsonOutput;
    const locker = byName(again).get('locker')!.waitingIn!;
    assert.ok(locker.seenForMs > 0, `seenForMs ${locker.seenForMs}`);
    assert.match(
      (await aio('ps', String(t.pid))).stdout,
      /^ {3}├─ locker #\d+ · Lock\.acquire · for ≥\d/m,
    );
    assert.deepEqual(await finish(t), { code: 0, last: 'exited inspector=closed' });
  });

  it('uses an inspector that was already open (--inspect) and leaves it open', async () => {
    const t = await startFixture(['--inspect=127.0.0.1:0']);
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(t.out.stderr)![1]);
    const r = await aio('ps', '--json', String(t.pid));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as JsonOutput;
    assert.deepEqual(out.inspector, {
      host: '127.0.0.1',
      port,
      openedByAio: false,
      after: 'left-open',
    });
    assert.equal(byName(out).size, 10);
    assert.equal(await isListening(port), true);
    const { code, last } = await finish(t);
    assert.equal(code, 0);
    assert.match(last, /^exited inspector=ws:\/\//);
  });

  it('sees through a task that blocks the loop: it is shown executing', async () => {
    const t = await startFixture(['--inspect-port=0'], ['busy']);
    const r = await aio('ps', '--json', String(t.pid));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as JsonOutput;
    const spinner = byName(out).get('spinner');
    assert.equal(spinner?.executing, true);
    assert.equal(spinner.waitingIn, null);
    // Closed once the loop was free again (and not reopened by SIGUSR1's second request).
    assert.match(out.inspector.after, /^(closed|closing)$/);
    assert.deepEqual(await finish(t), { code: 0, last: 'exited inspector=closed' });
  });

  it('Ctrl-C: exits 130, and the inspector it opened still closes', async () => {
    // The target blocks its loop for 3 s once its inspector opens: aio ps gets the tree,
    // then waits for the inspector to close, and is interrupted meanwhile.
    const t = await startFixture(['--inspect-port=0'], ['busy']);
    const child = execFile(process.execPath, [cli, 'ps', String(t.pid)], { encoding: 'utf8' });
    let stderr = '';
    child.stderr!.on('data', (d: string) => (stderr += d));
    const status = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    while (!t.out.stderr.includes('Debugger attached.'))
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    assert.equal(await status, 130);
    assert.equal(stderr, 'aio: interrupted\n');
    assert.deepEqual(await finish(t), { code: 0, last: 'exited inspector=closed' });
  });

  it('shows where each task was created when the process runs in debug mode', async () => {
    const t = await startFixture(['--inspect-port=0'], [], { ASYNCIO_TS_DEBUG: '1' });
    const r = await aio('ps', '--json', String(t.pid));
    assert.equal(r.status, 0, r.stderr);
    const sleeper = byName(JSON.parse(r.stdout) as JsonOutput).get('sleeper')!;
    assert.match(sleeper.createdAt ?? '', /ps-target\.(js|ts):\d+:\d+$/);
    const text = await aio('ps', String(t.pid));
    assert.match(text.stdout, / · debug mode$/m);
    assert.match(text.stdout, /sleeper #\d+ · .* · created at .*ps-target/);
    assert.equal((await finish(t)).code, 0);
  });

  it('works on the default port 9229 when the process was started without flags', async (ctx) => {
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(9229, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (!free) return ctx.skip('port 9229 is taken on this machine');
    const t = await startFixture([]);
    const r = await aio('ps', '--json', String(t.pid));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as JsonOutput;
    assert.equal(out.inspector.port, 9229);
    assert.equal(await isListening(9229), false);
    assert.deepEqual(await finish(t), { code: 0, last: 'exited inspector=closed' });
  });
});

describe('aio ps: what it refuses', () => {
  for (const [what, arg, message] of [
    ['a pid that is not a number', 'abc', /^aio: ps: 'abc' is not a pid/],
    ['pid 0', '0', /^aio: ps: '0' is not a pid/],
    ['a process that does not exist', '2147483646', /^aio: ps: no process with pid 2147483646/],
  ] as const) {
    it(`${what}: one line, exit code 2`, async () => {
      const r = await aio('ps', arg);
      assert.equal(r.status, 2);
      oneLine(r);
      assert.match(r.stderr, message);
    });
  }

  it('no pid at all: one line, exit code 2', async () => {
    const r = await aio('ps');
    assert.equal(r.status, 2);
    oneLine(r);
    assert.match(r.stderr, /give its pid/);
  });

  it('a Node.js process without asyncio-ts: exit code 1, and its inspector is closed again', async () => {
    const t = await start(process.execPath, [
      '--inspect-port=0',
      '-e',
      "setInterval(() => {}, 1000); process.stdout.write('ready ' + process.pid + '\\n')",
    ]);
    const r = await aio('ps', String(t.pid));
    assert.equal(r.status, 1);
    oneLine(r);
    assert.match(r.stderr, new RegExp(`^aio: ps: process ${t.pid} does not use asyncio-ts`));
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(t.out.stderr)![1]);
    assert.equal(await isListening(port), false);
    assert.ok(isAlive(t.pid));
    t.child.kill();
  });

  for (const [what, command, args] of [
    ['a process that does not handle SIGUSR1', 'sleep', ['30']],
    // An interactive shell catches SIGUSR1, to clean up, and still dies of it.
    ['a shell that catches SIGUSR1', 'bash', ['-i', '-c', 'sleep 30; true']],
  ] as const) {
    it(`a process that is not Node.js (${what}): exit code 1, and no signal`, async () => {
      const child = spawn(command, args, { stdio: 'ignore' });
      started.push(child);
      await new Promise((r) => child.once('spawn', r));
      await new Promise((r) => setTimeout(r, 200)); // the shell has set up its handlers
      const r = await aio('ps', String(child.pid));
      assert.equal(r.status, 1);
      oneLine(r);
      assert.match(r.stderr, /is not Node\.js: SIGUSR1 would terminate it, so none was sent/);
      assert.ok(isAlive(child.pid!), 'the process was killed');
      child.kill('SIGKILL');
    });
  }

  it('--help explains the inspector and the exit codes', async () => {
    const r = await aio('ps', '--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: aio ps \[options\] <pid>/);
    assert.match(r.stdout, /SIGUSR1/);
    assert.match(r.stdout, /--json/);
  });
});
