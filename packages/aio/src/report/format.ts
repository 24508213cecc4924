/**
 * How the report writes values: HTML escaping (every string from the store goes
 * through {@link escapeHtml}) and short human forms of counts, bytes, durations and
 * times.
 *
 * @module
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` safe inside HTML and SVG elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** At most `max` characters of `text`, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `url` when it can be a link (http or https), else null: no `javascript:` hrefs. */
export function linkTarget(url: string): string | null {
  return /^https?:\/\//i.test(url) && url.length <= 4096 ? url : null;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `12,345`. */
export function formatCount(n: number): string {
  return integer.format(n);
}

/** Three significant figures at most, for rates and times: `0.512`, `12.3`, `1,234`. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs >= 100) return integer.format(n);
  if (abs >= 10) return n.toFixed(1).replace(/\.0$/, '');
  if (abs >= 1) return n.toFixed(2).replace(/\.?0+$/, '');
  if (abs === 0) return '0';
  return n.toPrecision(2);
}

/** `850 B`, `12.3 KB`, `4.56 MB` (powers of 1024). */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? String(Math.round(v)) : formatNumber(v)} ${units[u]!}`;
}

/** A latency: `850 µs`, `12.3 ms`, `1.25 s`. */
export function formatMs(ms: number): string {
  if (ms < 1 && ms > 0) return `${formatNumber(ms * 1000)} µs`;
  if (ms < 1000) return `${formatNumber(ms)} ms`;
  return `${formatNumber(ms / 1000)} s`;
}

/** A span of time, short enough for a card: `850 ms`, `42.1 s`, `3m 20s`, `2h 05m`, `3.5 days`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${formatNumber(ms / 1000)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
  return `${formatNumber(m / 1440)} days`;
}

/** A round width of time, as the throughput chart's buckets have: `250 ms`, `5 s`, `15 min`, `6 h`. */
export function formatWidth(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${formatNumber(ms / 1000)} s`;
  if (ms < 3_600_000) return `${formatNumber(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${formatNumber(ms / 3_600_000)} h`;
  return `${formatNumber(ms / 86_400_000)} days`;
}

/** An offset from the start of a run, for chart axes: `0s`, `45s`, `2:30`, `1:05:00`. */
export function formatOffset(ms: number, stepMs: number): string {
  if (stepMs < 1000) return `${formatNumber(ms / 1000)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** A moment in the local time of the machine writing the report: `2025-03-01 14:05:09 +01:00`. */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`
  );
}

/** A share as a percentage: `12.5%`, `<0.1%`. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const p = (part / whole) * 100;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${formatNumber(p)}%`;
}
