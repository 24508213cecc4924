/**
 * The report as one self-contained HTML page: {@link renderReport}. Inline CSS (light
 * and dark), inline SVG charts, and a few lines of inline script that sort the tables;
 * no external file, font or request, and a Content-Security-Policy that forbids them.
 * Every string from the store is escaped.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { latencyChart, statusChart, throughputChart } from './charts.js';
import type { BrokenPage, ErrorCount, ReportData, SlowPage, StatusClass } from './model.js';
import { REPORT_LIMITS, statusClass } from './model.js';
import { REPORT_CSS } from './style.js';
import {
  escapeHtml,
  formatBytes,
  formatCount,
  formatDuration,
  formatWidth,
  formatMs,
  formatNumber,
  formatPercent,
  formatTime,
  linkTarget,
  truncate,
} from './format.js';

/** Options of {@link renderReport}. */
export interface RenderOptions {
  /** Where the data came from, shown under the title (a path, or a URL without its password). */
  source?: string;
}

/** Sorts a table when its header is clicked (numbers by `data-v`, text otherwise). */
const SORT_SCRIPT = `for (const th of document.querySelectorAll('table.sortable th')) {
  th.addEventListener('click', () => {
    const table = th.closest('table');
    const body = table.tBodies[0];
    const i = th.cellIndex;
    const dir = th.dataset.dir === 'desc' ? 1 : -1;
    for (const h of table.querySelectorAll('th')) delete h.dataset.dir;
    th.dataset.dir = dir === 1 ? 'asc' : 'desc';
    const key = (row) => {
      const cell = row.cells[i];
      const v = cell.dataset.v ?? cell.textContent.trim().toLowerCase();
      return cell.dataset.v !== undefined ? Number(v) : v;
    };
    const rows = [...body.rows].sort((a, b) => {
      const x = key(a), y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    body.append(...rows);
  });
}`;

const SCRIPT_HASH = createHash('sha256').update(SORT_SCRIPT).digest('base64');

/** What the page may load: nothing from outside, only its own styles and its one script. */
const CSP =
  `default-src 'none'; style-src 'unsafe-inline'; img-src data:; ` +
  `script-src 'sha256-${SCRIPT_HASH}'; base-uri 'none'; form-action 'none'`;

const CLASS_NAMES: Record<StatusClass, string> = {
  '2xx': '2xx success',
  '3xx': '3xx redirect',
  '4xx': '4xx client error',
  '5xx': '5xx server error',
  other: 'other status',
  none: 'no response',
};

/** A URL as a link (when it is http or https) with the whole URL as its tooltip. */
function urlCell(url: string, max = 120): string {
  const shown = escapeHtml(truncate(url, max));
  const href = linkTarget(url);
  const full = escapeHtml(truncate(url, 2000));
  return href === null
    ? `<span class="u" title="${full}">${shown}</span>`
    : `<a class="u" href="${escapeHtml(href)}" title="${full}" rel="noreferrer">${shown}</a>`;
}

/** A status code (or the error code when there was no response) as a coloured pill. */
function statusPill(status: number | null, errorCode: string | null): string {
  const cls = statusClass(status);
  const text = status !== null ? String(status) : (errorCode ?? 'none');
  return `<span class="pill c${cls}">${escapeHtml(truncate(text, 24))}</span>`;
}

/** `1 page`, `1,234 pages`. */
function pages(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'page' : 'pages'}`;
}

function card(key: string, value: string, note = '', cls = ''): string {
  return (
    `<div class="card${cls ? ` ${cls}` : ''}"><div class="k">${escapeHtml(key)}</div>` +
    `<div class="v">${value}</div>${note ? `<div class="n">${note}</div>` : ''}</div>`
  );
}

function summaryCards(data: ReportData): string {
  const s = data.summary;
  const c = s.byClass;
  const share = (n: number): string => (s.pages > 0 ? formatPercent(n, s.pages) : '');
  const lat = s.latency;
  const cards = [
    card(
      'Pages',
      formatCount(s.pages),
      s.attempts > s.pages ? `${formatCount(s.attempts)} attempts` : '',
    ),
    card('2xx', formatCount(c['2xx']), share(c['2xx']), 'c2xx'),
    card('3xx', formatCount(c['3xx']), share(c['3xx']), 'c3xx'),
    card('4xx', formatCount(c['4xx']), share(c['4xx']), 'c4xx'),
    card('5xx', formatCount(c['5xx']), share(c['5xx']), 'c5xx'),
    card(
      'Errors',
      formatCount(s.errors),
      c.none > 0 ? `${formatCount(c.none)} no response` : share(s.errors),
      'cnone',
    ),
    card('Duration', s.firstAt === null ? '—' : formatDuration(s.durationMs), 'first to last page'),
    card(
      'Throughput',
      s.pagesPerSecond === null ? '—' : `${formatNumber(s.pagesPerSecond)}<small>/s</small>`,
      'pages per second',
    ),
    card(
      'p50',
      lat === null ? '—' : formatMs(lat.p50),
      lat === null ? '' : `mean ${formatMs(lat.mean)}`,
    ),
    card('p95', lat === null ? '—' : formatMs(lat.p95)),
    card(
      'p99',
      lat === null ? '—' : formatMs(lat.p99),
      lat === null ? '' : `max ${formatMs(lat.max)}`,
    ),
    card(
      'Data',
      formatBytes(s.bytes),
      s.pages > 0 ? `${formatBytes(s.bytes / s.pages)} per page` : '',
    ),
    card(
      'Links',
      formatCount(s.links),
      s.queued > 0 ? `${formatCount(s.queued)} URLs still queued` : '',
    ),
  ];
  return `<section class="cards" id="summary">${cards.join('')}</section>`;
}

/** One bar split by status class, with its legend. */
function classStrip(data: ReportData): string {
  const s = data.summary;
  if (s.pages === 0) return '';
  const order: StatusClass[] = ['2xx', '3xx', '4xx', '5xx', 'other', 'none'];
  const present = order.filter((k) => s.byClass[k] > 0);
  const parts = present
    .map((k) => {
      const n = s.byClass[k];
      const tip = `${CLASS_NAMES[k]}: ${formatCount(n)} (${formatPercent(n, s.pages)})`;
      return `<span class="c${k}" style="flex-grow:${n}" title="${escapeHtml(tip)}"></span>`;
    })
    .join('');
  const legend = present
    .map(
      (k) =>
        `<span><i class="c${k}"></i>${CLASS_NAMES[k]} <b>${formatPercent(s.byClass[k], s.pages)}</b></span>`,
    )
    .join('');
  return `<div class="strip" aria-label="Pages by status class">${parts}</div><div class="legend">${legend}</div>`;
}

function slowestTable(rows: readonly SlowPage[]): string {
  if (rows.length === 0) return '<p class="none">No timed pages.</p>';
  const body = rows
    .map(
      (r, i) =>
        `<tr><td class="num" data-v="${i + 1}">${i + 1}</td>` +
        `<td class="page">${urlCell(r.url)}` +
        (r.title !== null && r.title !== ''
          ? `<div class="sub">${escapeHtml(truncate(r.title, 140))}</div>`
          : '') +
        `</td><td data-v="${r.status ?? 0}">${statusPill(r.status, r.errorCode)}</td>` +
        `<td class="num" data-v="${r.timeMs}">${formatMs(r.timeMs)}</td>` +
        `<td class="num" data-v="${r.bytes ?? 0}">${r.bytes === null ? '—' : formatBytes(r.bytes)}</td></tr>`,
    )
    .join('');
  return (
    '<div class="table"><table class="sortable" id="slowest"><colgroup><col style="width:3.5em"><col>' +
    '<col style="width:7em"><col style="width:7em"><col style="width:7em"></colgroup>' +
    '<thead><tr><th class="num">#</th><th>Page</th><th>Status</th><th class="num">Time</th>' +
    `<th class="num">Size</th></tr></thead><tbody>${body}</tbody></table></div>`
  );
}

function brokenTable(rows: readonly BrokenPage[], total: number): string {
  if (rows.length === 0)
    return '<p class="none ok">No broken links: every page answered below 400.</p>';
  const body = rows
    .map((r) => {
      const more = r.linkedFrom - r.referrers.length;
      const from =
        r.referrers.length === 0
          ? '<span class="muted">a start URL</span>'
          : r.referrers.map((u) => `<div>${urlCell(u, 90)}</div>`).join('') +
            (more > 0 ? `<div class="muted">and ${formatCount(more)} more</div>` : '');
      const problem =
        r.errorMessage !== null
          ? `<div class="sub">${escapeHtml(truncate(r.errorMessage, 160))}</div>`
          : '';
      return (
        `<tr><td class="page">${urlCell(r.url)}${problem}</td>` +
        `<td data-v="${r.status ?? 0}">${statusPill(r.status, r.errorCode)}</td>` +
        `<td class="num" data-v="${r.linkedFrom}">${formatCount(r.linkedFrom)}</td>` +
        `<td class="page refs">${from}</td></tr>`
      );
    })
    .join('');
  const note =
    total > rows.length
      ? `<p class="muted">The ${formatCount(rows.length)} most linked of ${formatCount(total)} broken pages.</p>`
      : '';
  return (
    '<div class="table scroll"><table class="sortable" id="broken"><colgroup><col style="width:44%"><col style="width:8.5em">' +
    '<col style="width:6em"><col></colgroup><thead><tr><th>Page</th><th>Status</th>' +
    `<th class="num">Links</th><th>Linked from</th></tr></thead><tbody>${body}</tbody></table></div>${note}`
  );
}

function errorsTable(rows: readonly ErrorCount[], pages: number): string {
  if (rows.length === 0) return '<p class="none ok">No errors.</p>';
  const max = Math.max(...rows.map((r) => r.count));
  const body = rows
    .map(
      (r) =>
        `<tr><td><code>${escapeHtml(truncate(r.code, 40))}</code></td>` +
        `<td class="num" data-v="${r.count}">${formatCount(r.count)}</td>` +
        `<td class="share" data-v="${r.count}"><div class="meter"><span style="width:${Math.max(1, Math.round((r.count / max) * 100))}%"></span></div>` +
        `<span class="muted">${formatPercent(r.count, pages)}</span></td>` +
        `<td class="page">${r.message !== null ? `<div>${escapeHtml(truncate(r.message, 160))}</div>` : ''}` +
        `<div class="sub">${urlCell(r.url, 100)}</div></td></tr>`,
    )
    .join('');
  return (
    '<div class="table scroll"><table class="sortable" id="errors"><colgroup><col style="width:11em"><col style="width:6em">' +
    '<col style="width:11em"><col></colgroup><thead><tr><th>Code</th><th class="num">Pages</th>' +
    `<th>Share</th><th>Example</th></tr></thead><tbody>${body}</tbody></table></div>`
  );
}

function metaList(data: ReportData): string {
  if (data.meta.length === 0) return '';
  const items = data.meta
    .map(
      (m) =>
        `<dt>${escapeHtml(truncate(m.key, 60))}</dt><dd>${escapeHtml(truncate(m.value, 300))}</dd>`,
    )
    .join('');
  return `<section><h2>About this store</h2><dl class="meta">${items}</dl></section>`;
}

function panel(title: string, note: string, body: string, cls = ''): string {
  return (
    `<figure class="panel${cls ? ` ${cls}` : ''}"><figcaption><h2>${title}</h2>` +
    `<span class="muted">${note}</span></figcaption>${body}</figure>`
  );
}

/**
 * Renders the report as one self-contained HTML page (inline CSS, inline SVG, no
 * external requests). Its size is bounded: the tables and charts of
 * {@link ReportData} are capped, so 100,000 pages give a page of the same order of
 * size as 1,000.
 *
 * @example
 * ```ts
 * const html = renderReport(await loadReportData(db), { source: 'crawl.sqlite' });
 * ```
 */
export function renderReport(data: ReportData, options: RenderOptions = {}): string {
  const s = data.summary;
  const kind = data.meta.find((m) => m.key === 'kind')?.value;
  const title = kind === 'fetch' || kind === 'crawl' ? `aio ${kind} report` : 'aio report';
  const span =
    s.firstAt !== null && s.lastAt !== null
      ? `${formatTime(s.firstAt)} → ${formatTime(s.lastAt)}`
      : 'no pages yet';
  const source =
    options.source !== undefined ? `<b>${escapeHtml(truncate(options.source, 200))}</b> · ` : '';
  const t = data.throughput;
  const empty =
    s.pages === 0
      ? '<p class="notice">This store holds no pages yet: run <code>aio crawl</code> or <code>aio fetch</code> with it, then write the report again.</p>'
      : '';
  const brokenNote =
    s.broken === 0
      ? 'none'
      : `${formatCount(s.broken)} pages with status ≥ 400 or an error, most linked first`;
  const body = [
    `<header><h1>${escapeHtml(title)}</h1><p class="muted">${source}${span} · written ${formatTime(data.generatedAt)}</p></header>`,
    empty,
    summaryCards(data),
    classStrip(data),
    '<section class="panels">',
    panel(
      'Throughput',
      t.buckets.length > 1
        ? `pages per second, in ${formatWidth(t.bucketMs)} buckets; red: status ≥ 400 or error`
        : '',
      throughputChart(t.buckets, t.bucketMs, s.pagesPerSecond),
      'wide',
    ),
    panel(
      'Status codes',
      s.pages > 0 ? pages(s.pages) : '',
      statusChart(data.statusCodes, s.pages),
    ),
    panel(
      'Latency',
      s.latency !== null ? `request to end of body, ${pages(s.latency.count)}` : '',
      latencyChart(data.latency, s.latency),
    ),
    '</section>',
    `<section><h2>Slowest pages</h2><p class="muted">The ${REPORT_LIMITS.slowest} slowest, by time of the last attempt. Click a column to sort.</p>${slowestTable(data.slowest)}</section>`,
    `<section><h2>Broken links</h2><p class="muted">${brokenNote}</p>${brokenTable(data.broken, s.broken)}</section>`,
    `<section><h2>Errors by code</h2><p class="muted">${s.errors > 0 ? `${formatCount(s.errors)} pages stored with an error` : 'none'}</p>${errorsTable(data.errors, s.pages)}</section>`,
    metaList(data),
    '<footer class="muted">Written by <code>aio report</code>. One self-contained file: no scripts, fonts or images are loaded from anywhere.</footer>',
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="generator" content="aio report">
<title>${escapeHtml(title)}${options.source !== undefined ? ` · ${escapeHtml(truncate(options.source, 80))}` : ''}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
${body}
</main>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
