/**
 * `aio ps <pid>`: the live task tree of a running Node.js process that uses
 * asyncio-ts, read through the process's inspector.
 *
 * @module
 */
import { currentTask, timeout, toMilliseconds, type Duration } from 'asyncio-ts';
import { EXIT, UsageError, parseCommand, type Command, type Parsed } from '../command.js';
import {
  attach,
  checkProcess,
  detach,
  unanswered,
  type Attached,
  type InspectorAfter,
} from '../ps/attach.js';
import { InspectError } from '../ps/cdp.js';
import { renderSnapshot } from '../ps/render.js';
import { styles, useColor } from '../ui/progress.js';
import { fetchSnapshot, type TaskTreeSnapshot } from '../ps/snapshot.js';

const HELP = `Usage: aio ps [options] <pid>

Prints the live task tree of a running Node.js process that uses asyncio-ts: every
task under the task that created it, its state, what it is blocked in (sleep,
Lock.acquire, Queue.get, another task, an HTTP exchange...) and for how long.

The process is asked to open its inspector with SIGUSR1 (as 'kill -USR1 <pid>'
does); aio ps takes one snapshot through it and closes it again. An inspector that
was already open (--inspect) is used and left open. The process pauses while the
snapshot is taken (about 1.5 ms per 1000 tasks) and prints Node's "Debugger
listening" lines on its stderr. A process that is not Node.js is never signalled.
Details: docs/aio.md.

Options:
      --json         print the snapshot as JSON, for tools
      --port <n>     the inspector's port, where /proc cannot tell (default 9229)
      --timeout <d>  how long to wait for the inspector to open (default 5s)
  -h, --help         show this help

Examples:
  aio ps 4242
  aio ps --json 4242 | jq '.loops[].tasks[] | select(.waitingIn.kind == "lock") | .name'

Exit codes: 0 the tree was printed; 1 the process does not use asyncio-ts, or its
inspector cannot be reached; 2 bad pid or no such process; 130 interrupted.
`;

/** `aio ps`: prints the task tree of another process. */
export const psCommand: Command = {
  name: 'ps',
  help: HELP,
  async run(args) {
    const parsed = parseCommand('ps', args, {
      json: { type: 'boolean' },
      port: { type: 'string' },
      timeout: { type: 'string' },
    });
    if (parsed === null) {
      process.stdout.write(this.help);
      return EXIT.ok;
    }
    const pid = pidOf(parsed);
    const port = portOf(parsed);
    const waitMs = timeoutOf(parsed);
    // Ctrl-C cancels the command, which still closes an inspector it opened; a
    // second one exits at once.
    const task = currentTask();
    let interrupts = 0;
    const onSigint = (): void => {
      if (interrupts++ === 0 && task !== null) task.cancel('interrupted');
      else process.exit(EXIT.interrupted);
    };
    process.on('SIGINT', onSigint);
    try {
      return await inspect(pid, { json: parsed.flag('json'), port, waitMs });
    } catch (e) {
      if (!(e instanceof InspectError)) throw e;
      const message = isAlive(pid) ? e.message : `process ${pid} exited while it was inspected`;
      process.stderr.write(`aio: ps: ${message}\n`);
      return EXIT.failed;
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};

async function inspect(
  pid: number,
  opts: { json: boolean; port: number | undefined; waitMs: number },
): Promise<number> {
  checkProcess(pid);
  const attached: Attached = await attach(pid, {
    waitMs: opts.waitMs,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  });
  let snapshot: TaskTreeSnapshot;
  let after: InspectorAfter;
  try {
    snapshot = await timeout('60s', () => fetchSnapshot(attached.session, pid)).catch(unanswered);
  } finally {
    // Even when interrupted: the process is left as it was found (detach asks the
    // inspector to close before its first await).
    after = await detach(attached);
  }
  if (opts.json) {
    const inspector = { ...attached.endpoint, openedByAio: attached.opened, after };
    process.stdout.write(JSON.stringify({ ...snapshot, inspector }, null, 2) + '\n');
  } else {
    process.stdout.write(renderSnapshot(snapshot, styles(useColor(process.stdout))));
  }
  if (after === 'closing') {
    process.stderr.write(
      `aio: ps: note: the event loop of process ${pid} is blocked; its inspector closes as soon as it runs again\n`,
    );
  }
  return EXIT.ok;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

function pidOf(parsed: Parsed): number {
  const [arg, ...extra] = parsed.positionals;
  if (arg === undefined) throw new UsageError('ps: which process? give its pid: aio ps <pid>');
  if (extra.length > 0) throw new UsageError(`ps: one pid at a time (got ${extra.length + 1})`);
  const pid = /^\d+$/.test(arg) ? Number(arg) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new UsageError(`ps: '${arg}' is not a pid (a positive whole number)`);
  }
  if (pid === process.pid) throw new UsageError(`ps: ${pid} is this aio process itself`);
  return pid;
}

function portOf(parsed: Parsed): number | undefined {
  const v = parsed.string('port');
  if (v === undefined) return undefined;
  const port = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(port >= 1 && port <= 65535)) throw parsed.invalid('port', `'${v}' is not a TCP port`);
  return port;
}

function timeoutOf(parsed: Parsed): number {
  const v = parsed.string('timeout');
  if (v === undefined) return 5000;
  try {
    const ms = toMilliseconds(/^\d+(\.\d+)?$/.test(v) ? Number(v) : (v as Duration), 'timeout');
    if (ms !== null && ms > 0) return ms;
  } catch {
    // reported below
  }
  throw parsed.invalid('timeout', `'${v}' is not a duration (e.g. 5s, 500ms)`);
}
