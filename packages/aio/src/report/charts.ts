/**
 * The report's charts as inline SVG strings: throughput over time, status codes, and
 * the latency histogram. Each chart has a fixed `viewBox` (it scales with the page)
 * and a bounded number of elements whatever the number of pages; each bar carries a
 * `<title>`, which browsers show as a tooltip without any script. Colours come from
 * CSS classes, so the page's stylesheet (light or dark) decides them.
 *
 * @module
 */
import type { LatencyBucket, LatencySummary, StatusCount, ThroughputBucket } from './model.js';
import { statusClass } from './model.js';
import {
  escapeHtml,
  formatCount,
  formatWidth,
  formatMs,
  formatNumber,
  formatOffset,
  formatPercent,
  formatTime,
} from './format.js';

/** The drawing area of a chart inside its viewBox. */
interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const r1 = (n: number): string => String(Math.round(n * 10) / 10);

function plotWidth(f: Frame): number {
  return f.width - f.left - f.right;
}

function plotHeight(f: Frame): number {
  return f.height - f.top - f.bottom;
}

/** A round step for about `ticks` gridlines up to `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(max: number, ticks: number): number {
  if (!(max > 0)) return 1;
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const m = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10;
  return m * magnitude;
}

function svgOpen(f: Frame, label: string, id: string): string {
  return (
    `<svg class="chart" id="${id}" viewBox="0 0 ${f.width} ${f.height}" ` +
    `role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">`
  );
}

/** Horizontal gridlines with their values on the left, from 0 to `max` (rounded up). */
function yGrid(
  f: Frame,
  max: number,
  format: (v: number) => string,
  counts = false,
): { top: number; svg: string } {
  const step = counts ? Math.max(1, niceStep(max, 4)) : niceStep(max, 4);
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const h = plotHeight(f);
  let svg = '<g class="grid">';
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = f.top + h - (v / top) * h;
    svg +=
      `<line x1="${f.left}" x2="${f.width - f.right}" y1="${r1(y)}" y2="${r1(y)}"/>` +
      `<text class="tick" x="${f.left - 6}" y="${r1(y + 3.5)}" text-anchor="end">${format(v)}</text>`;
  }
  return { top, svg: `${svg}</g>` };
}

function emptyChart(f: Frame, id: string, label: string, message: string): string {
  return (
    svgOpen(f, label, id) +
    `<rect class="frame" x="1" y="${f.top}" width="${f.width - 2}" height="${plotHeight(f)}" rx="6"/>` +
    `<text class="empty" x="${f.width / 2}" y="${f.top + plotHeight(f) / 2 + 5}" text-anchor="middle">${escapeHtml(message)}</text>` +
    '</svg>'
  );
}

/**
 * Pages per second over time: one stacked bar per bucket (pages fine, pages broken),
 * with the average rate as a dashed line.
 */
export function throughputChart(
  buckets: readonly ThroughputBucket[],
  bucketMs: number,
  averagePerSecond: number | null,
): string {
  const f: Frame = { width: 960, height: 250, left: 52, right: 14, top: 14, bottom: 30 };
  const label = 'Pages per second over time';
  if (buckets.length === 0) return emptyChart(f, 'chart-throughput', label, 'No pages yet');
  if (buckets.length === 1) {
    const n = buckets[0]!.pages;
    const message = `${formatCount(n)} ${n === 1 ? 'page' : 'pages'} within ${formatWidth(bucketMs)}: too short a run to chart`;
    return emptyChart(f, 'chart-throughput', label, message);
  }
  const seconds = bucketMs / 1000;
  const rates = buckets.map((b) => b.pages / seconds);
  const grid = yGrid(f, Math.max(...rates, averagePerSecond ?? 0), formatNumber);
  const w = plotWidth(f);
  const h = plotHeight(f);
  const bw = w / buckets.length;
  const gap = bw > 6 ? Math.min(2, bw * 0.15) : 0;
  const y = (rate: number): number => f.top + h - (rate / grid.top) * h;
  const first = buckets[0]!.start;
  let bars = '<g class="bars">';
  buckets.forEach((b, i) => {
    const x = f.left + i * bw + gap / 2;
    const okRate = (b.pages - b.broken) / seconds;
    const badRate = b.broken / seconds;
    const tip =
      `${formatTime(b.start)} (+${formatOffset(b.start - first, bucketMs)}): ` +
      `${formatCount(b.pages)} pages, ${formatNumber(b.pages / seconds)}/s` +
      (b.broken > 0 ? `, ${formatCount(b.broken)} broken` : '');
    bars += `<g><title>${escapeHtml(tip)}</title>`;
    bars += `<rect class="hit" x="${r1(f.left + i * bw)}" y="${f.top}" width="${r1(bw)}" height="${h}"/>`;
    if (b.pages > b.broken) {
      bars += `<rect class="bar ok" x="${r1(x)}" y="${r1(y(okRate))}" width="${r1(bw - gap)}" height="${r1(f.top + h - y(okRate))}"/>`;
    }
    if (b.broken > 0) {
      const top = y(okRate + badRate);
      bars += `<rect class="bar bad" x="${r1(x)}" y="${r1(top)}" width="${r1(bw - gap)}" height="${r1(y(okRate) - top)}"/>`;
    }
    bars += '</g>';
  });
  bars += '</g>';
  // About seven time labels, on whole buckets.
  const every = Math.max(1, Math.ceil(buckets.length / 7));
  let axis = '<g class="axis">';
  for (let i = 0; i < buckets.length; i += every) {
    const x = f.left + i * bw + bw / 2;
    axis +=
      `<line x1="${r1(x)}" x2="${r1(x)}" y1="${f.top + h}" y2="${f.top + h + 4}"/>` +
      `<text class="tick" x="${r1(x)}" y="${f.top + h + 17}" text-anchor="middle">+${formatOffset(i * bucketMs, bucketMs)}</text>`;
  }
  axis += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${f.top + h}" y2="${f.top + h}"/></g>`;
  let average = '';
  if (averagePerSecond !== null && buckets.length > 1) {
    const ay = r1(y(averagePerSecond));
    average =
      `<g class="average"><line x1="${f.left}" x2="${f.width - f.right}" y1="${ay}" y2="${ay}"/>` +
      `<text x="${f.width - f.right - 4}" y="${r1(y(averagePerSecond) - 5)}" text-anchor="end">` +
      `average ${formatNumber(averagePerSecond)}/s</text></g>`;
  }
  return `${svgOpen(f, label, 'chart-throughput')}${grid.svg}${bars}${average}${axis}</svg>`;
}

/** At most this many bars in the status chart; the rest are summed into "others". */
const MAX_STATUS_BARS = 16;

/** Pages per status code, coloured by class. */
export function statusChart(codes: readonly StatusCount[], total: number): string {
  const f: Frame = { width: 480, height: 260, left: 52, right: 10, top: 22, bottom: 30 };
  const label = 'Pages per HTTP status code';
  if (codes.length === 0) return emptyChart(f, 'chart-status', label, 'No pages yet');
  let bars: { label: string; count: number; cls: string; tip: string }[] = codes.map((c) => ({
    label: c.status === null ? 'none' : String(c.status),
    count: c.count,
    cls: `c${statusClass(c.status)}`,
    tip:
      c.status === null
        ? `no response: ${formatCount(c.count)} pages (${formatPercent(c.count, total)})`
        : `HTTP ${c.status}: ${formatCount(c.count)} pages (${formatPercent(c.count, total)})`,
  }));
  if (bars.length > MAX_STATUS_BARS) {
    const kept = [...bars].sort((a, b) => b.count - a.count).slice(0, MAX_STATUS_BARS - 1);
    const keep = new Set(kept);
    const others = bars.filter((b) => !keep.has(b)).reduce((s, b) => s + b.count, 0);
    bars = bars.filter((b) => keep.has(b));
    bars.push({
      label: 'others',
      count: others,
      cls: 'cother',
      tip: `other codes: ${formatCount(others)} pages (${formatPercent(others, total)})`,
    });
  }
  const grid = yGrid(f, Math.max(...bars.map((b) => b.count)), formatCount, true);
  const w = plotWidth(f);
  const h = plotHeight(f);
  const slot = w / bars.length;
  const bw = Math.min(56, slot * 0.7);
  let svg = '<g class="bars">';
  bars.forEach((b, i) => {
    const cx = f.left + i * slot + slot / 2;
    const bh = (b.count / grid.top) * h;
    const top = f.top + h - bh;
    svg +=
      `<g><title>${escapeHtml(b.tip)}</title>` +
      `<rect class="hit" x="${r1(cx - slot / 2)}" y="${f.top}" width="${r1(slot)}" height="${h}"/>` +
      `<rect class="bar ${b.cls}" x="${r1(cx - bw / 2)}" y="${r1(top)}" width="${r1(bw)}" height="${r1(Math.max(bh, 1))}" rx="2"/>` +
      `<text class="value" x="${r1(cx)}" y="${r1(top - 5)}" text-anchor="middle">${formatCount(b.count)}</text>` +
      `<text class="tick" x="${r1(cx)}" y="${f.top + h + 17}" text-anchor="middle">${escapeHtml(b.label)}</text></g>`;
  });
  svg += `</g><g class="axis"><line x1="${f.left}" x2="${f.width - f.right}" y1="${f.top + h}" y2="${f.top + h}"/></g>`;
  return `${svgOpen(f, label, 'chart-status')}${grid.svg}${svg}</svg>`;
}

/** An edge of a latency bucket on the axis: `5ms`, `150ms`, `2s`. */
function edgeLabel(ms: number): string {
  return ms >= 1000 ? `${formatNumber(ms / 1000)}s` : `${formatNumber(ms)}ms`;
}

/** The mantissa of an edge: 1, 1.5, 2, 3, 5 or 7. */
function mantissa(ms: number): number {
  return Math.round((ms / 10 ** Math.floor(Math.log10(ms))) * 10) / 10;
}

/**
 * The edges that get a label: 1, 2 and 5 times a power of ten when the bars are wide
 * enough for labels two bars apart; 1 and 5 when narrower; powers of ten when narrow.
 */
function labelled(ms: number, barWidth: number): boolean {
  const m = mantissa(ms);
  if (barWidth >= 21) return m === 1 || m === 2 || m === 5;
  if (barWidth >= 12) return m === 1 || m === 5;
  return m === 1;
}

/** Where `v` falls on the histogram's axis, in bars from the left (log scale inside a bar). */
function positionOf(buckets: readonly LatencyBucket[], v: number): number {
  for (let i = 0; i < buckets.length; i++) {
    const { lo, hi } = buckets[i]!;
    if (hi !== null && v >= hi) continue;
    if (hi === null) return i + 0.5;
    if (lo <= 0) return i + Math.max(0, Math.min(1, v / hi));
    return i + Math.max(0, Math.min(1, Math.log(Math.max(v, lo) / lo) / Math.log(hi / lo)));
  }
  return buckets.length;
}

/** Pages per latency bucket (log-spaced), with the p50, p95 and p99 marked. */
export function latencyChart(
  buckets: readonly LatencyBucket[],
  latency: LatencySummary | null,
): string {
  const f: Frame = { width: 480, height: 260, left: 52, right: 14, top: 44, bottom: 30 };
  const label = 'Latency histogram';
  if (buckets.length === 0 || latency === null) {
    return emptyChart(f, 'chart-latency', label, 'No timed pages yet');
  }
  const grid = yGrid(f, Math.max(...buckets.map((b) => b.count)), formatCount, true);
  const w = plotWidth(f);
  const h = plotHeight(f);
  const bw = w / buckets.length;
  const gap = Math.min(3, bw * 0.12);
  let svg = '<g class="bars">';
  buckets.forEach((b, i) => {
    const x = f.left + i * bw;
    const bh = (b.count / grid.top) * h;
    const range = b.hi === null ? `≥ ${formatMs(b.lo)}` : `${formatMs(b.lo)} – ${formatMs(b.hi)}`;
    const tip = `${range}: ${formatCount(b.count)} pages (${formatPercent(b.count, latency.count)})`;
    svg +=
      `<g><title>${escapeHtml(tip)}</title>` +
      `<rect class="hit" x="${r1(x)}" y="${f.top}" width="${r1(bw)}" height="${h}"/>` +
      (b.count > 0
        ? `<rect class="bar latency" x="${r1(x + gap / 2)}" y="${r1(f.top + h - bh)}" width="${r1(bw - gap)}" height="${r1(Math.max(bh, 1))}" rx="1.5"/>`
        : '') +
      '</g>';
  });
  svg += '</g><g class="axis">';
  svg += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${f.top + h}" y2="${f.top + h}"/>`;
  buckets.forEach((b, i) => {
    if (b.lo <= 0) return;
    const m = mantissa(b.lo);
    if (m !== 1 && m !== 2 && m !== 5) return;
    const x = r1(f.left + i * bw);
    svg += `<line x1="${x}" x2="${x}" y1="${f.top + h}" y2="${f.top + h + 4}"/>`;
    if (labelled(b.lo, bw)) {
      svg += `<text class="tick" x="${x}" y="${f.top + h + 17}" text-anchor="middle">${edgeLabel(b.lo)}</text>`;
    }
  });
  svg += '</g><g class="marks">';
  const marks: [string, number][] = [
    ['p50', latency.p50],
    ['p95', latency.p95],
    ['p99', latency.p99],
  ];
  marks.forEach(([name, v], row) => {
    const x = f.left + positionOf(buckets, v) * bw;
    const ty = 12 + row * 11;
    const anchor = x > f.width - 110 ? 'end' : 'start';
    const tx = anchor === 'end' ? x - 4 : x + 4;
    svg +=
      `<g class="mark ${name}"><title>${name}: ${escapeHtml(formatMs(v))}</title>` +
      `<line x1="${r1(x)}" x2="${r1(x)}" y1="${ty - 3}" y2="${f.top + h}"/>` +
      `<text x="${r1(tx)}" y="${ty + 1}" text-anchor="${anchor}">${name} ${escapeHtml(formatMs(v))}</text></g>`;
  });
  svg += '</g>';
  return `${svgOpen(f, label, 'chart-latency')}${grid.svg}${svg}</svg>`;
}
