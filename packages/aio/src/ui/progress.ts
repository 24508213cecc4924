/**
 * The live progress display on stderr and the summary at the end.
 *
 * On a terminal: two lines redrawn ten times a second (done/total, rate, ETA, in
 * flight, errors; the busiest hosts). Not a terminal: one plain line every few
 * seconds, for logs. `--quiet`: nothing. Colour unless `NO_COLOR` is set.
 *
 * @module
 */
import { createTask, sleep, type Task } from 'asyncio-ts';
import type { RunStats } from './stats.js';

/** How progress is shown. */
export type ProgressMode = 'tty' | 'lines' | 'quiet';

/** Picks the mode for stderr: quiet when asked, tty on a terminal, lines otherwise. */
export function progressMode(
  quiet: boolean,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressMode {
  if (quiet) return 'quiet';
  return stream.isTTY === true ? 'tty' : 'lines';
}

/** Whether to colour output written to `stream`. */
export function useColor(stream: NodeJS.WriteStream = process.stderr): boolean {
  const no = process.env['NO_COLOR'];
  if (no !== undefined && no !== '') return false;
  return stream.isTTY === true;
}

/** ANSI styles, or plain text when colour is off. */
export function styles(color: boolean): {
  bold: (s: string) => string;
  dim: (s: string) => string;
  green: (s: string) => string;
  red: (s: string) => string;
  yellow: (s: string) => string;
  cyan: (s: string) => string;
} {
  const wrap =
    (open: number, close: number) =>
    (s: string): string =>
      color ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** `1m 05s`, `12.3s`, `250ms`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** `1.2 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Shows a run's progress until `stop()`. */
export class Progress {
  readonly #stats: RunStats;
  readonly #mode: ProgressMode;
  readonly #out: NodeJS.WriteStream;
  readonly #label: string;
  readonly #intervalMs: number;
  #task: Task<void> | null = null;
  #lines = 0;
  /** Set when the run is stopping (Ctrl-C): shown in the display. */
  note: string | null = null;

  constructor(
    stats: RunStats,
    mode: ProgressMode,
    opts: { label: string; out?: NodeJS.WriteStream; intervalMs?: number },
  ) {
    this.#stats = stats;
    this.#mode = mode;
    this.#out = opts.out ?? process.stderr;
    this.#label = opts.label;
    this.#intervalMs = opts.intervalMs ?? (mode === 'tty' ? 100 : 5_000);
  }

  /** Starts redrawing. */
  start(): void {
    if (this.#mode === 'quiet' || this.#task !== null) return;
    this.#task = createTask(
      async () => {
        for (;;) {
          await sleep(this.#intervalMs);
          this.#draw();
        }
      },
      { name: 'aio-progress' },
    );
  }

  /** Stops redrawing and clears the live lines. */
  async stop(): Promise<void> {
    const t = this.#task;
    this.#task = null;
    if (t !== null) {
      t.cancel();
      await t.then(
        () => undefined,
        () => undefined,
      );
    }
    this.#clear();
  }

  /** Writes `text` above the live display (a warning). */
  print(text: string): void {
    this.printTo(this.#out, text);
  }

  /** Writes `text` to `stream` (stdout: a table row) above the live display. */
  printTo(stream: NodeJS.WritableStream, text: string): void {
    this.#clear();
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
    if (this.#mode === 'tty' && this.#task !== null) this.#draw();
  }

  #clear(): void {
    if (this.#mode !== 'tty' || this.#lines === 0) return;
    this.#out.write(`\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(this.#lines - 1)}`);
    this.#lines = 0;
  }

  /** The status line(s) for the current counts. */
  render(color: boolean): string[] {
    const s = this.#stats;
    const st = styles(color);
    const rate = s.rate();
    const left = s.total - s.done - s.resumed;
    const eta = rate > 0 && left > 0 ? formatSeconds(left / rate) : left <= 0 ? '0s' : '?';
    const doneAll = s.done + s.resumed;
    const pct = s.total > 0 ? ` ${Math.floor((doneAll / s.total) * 100)}%` : '';
    const head = [
      st.bold(this.#label),
      `${st.green(String(doneAll))}/${s.total}${pct}`,
      `${rate.toFixed(1)}/s`,
      `eta ${eta}`,
      `in flight ${s.inFlight}`,
      s.errors > 0 ? st.red(`errors ${s.errors}`) : 'errors 0',
      formatSeconds(s.elapsed()),
    ].join(st.dim(' | '));
    const lines = [this.note !== null ? `${head} ${st.yellow(this.note)}` : head];
    if (this.#mode === 'tty') {
      const hosts = [...s.hosts].sort((a, b) => b[1] - a[1]).slice(0, 4);
      const width = this.#out.columns ?? 100;
      const text = hosts.length > 0 ? hosts.map(([h, n]) => `${h} (${n})`).join(', ') : 'idle';
      lines.push(st.dim(`  hosts: ${text}`.slice(0, Math.max(20, width - 1))));
    }
    return lines;
  }

  #draw(): void {
    if (this.#mode === 'quiet') return;
    if (this.#mode === 'lines') {
      this.#out.write(`${this.render(false).join(' ')}\n`);
      return;
    }
    const lines = this.render(useColor(this.#out));
    const width = this.#out.columns ?? 120;
    this.#clear();
    this.#out.write(lines.map((l) => l.slice(0, width + 40)).join('\n'));
    this.#lines = lines.length;
  }
}

/** The summary printed at the end of a run. */
export function formatSummary(stats: RunStats, color: boolean): string {
  const st = styles(color);
  const lat = stats.latency();
  const classes = [...stats.byClass]
    .sort()
    .map(([k, v]) =>
      k === '2xx'
        ? st.green(`${k} ${v}`)
        : k === 'error' || k >= '4'
          ? st.red(`${k} ${v}`)
          : `${k} ${v}`,
    )
    .join(', ');
  const lines = [
    `${st.bold('pages')}      ${stats.done}${stats.resumed > 0 ? ` (+${stats.resumed} stored before)` : ''} in ${formatSeconds(stats.elapsed())}, ${stats.throughput().toFixed(1)} pages/s, ${formatBytes(stats.bytes)}`,
    `${st.bold('status')}     ${classes || 'none'}`,
  ];
  if (stats.errorsByCode.size > 0) {
    const codes = [...stats.errorsByCode].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
    lines.push(`${st.bold('errors')}     ${st.red(codes.join(', '))}`);
  }
  if (stats.robotsSkipped > 0)
    lines.push(`${st.bold('robots.txt')} ${stats.robotsSkipped} URLs skipped`);
  lines.push(
    `${st.bold('latency')}    p50 ${Math.round(lat.p50)} ms, p95 ${Math.round(lat.p95)} ms, p99 ${Math.round(lat.p99)} ms`,
  );
  return `${lines.join('\n')}\n`;
}
