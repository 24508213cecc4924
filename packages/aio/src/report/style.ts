/**
 * The report's stylesheet, inlined into the page: system fonts, light and dark
 * colours (the page follows the reader's setting), and the colours of the charts.
 *
 * @module
 */

/** The CSS of the report page. */
export const REPORT_CSS = `
:root {
  --bg: #f5f6f8; --panel: #ffffff; --text: #1d2330; --muted: #667085; --line: #e3e6ec;
  --grid: #edf0f4; --hover: rgba(80, 100, 140, 0.08); --accent: #4f5bd5;
  --c2xx: #1f9d55; --c3xx: #3b7ddd; --c4xx: #e8930c; --c5xx: #d93636; --cnone: #8b5cf6;
  --cother: #98a2b3; --ok: #5b7cfa; --bad: #e5484d; --lat: #14a3a0;
  --p50: #1f9d55; --p95: #e8930c; --p99: #d93636;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1217; --panel: #171b22; --text: #e6e9ef; --muted: #98a1b2; --line: #2a303b;
    --grid: #222833; --hover: rgba(160, 180, 220, 0.08); --accent: #8b93ff;
    --ok: #6f8dff; --lat: #2cc2bd;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1200px; margin: 0 auto; padding: 28px 24px 40px; }
header h1 { margin: 0; font-size: 26px; font-weight: 700; letter-spacing: -0.01em; }
header p { margin: 4px 0 20px; }
h2 { font-size: 17px; margin: 0 0 2px; font-weight: 650; }
section { margin: 0 0 28px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted, .sub { color: var(--muted); }
.sub { font-size: 12.5px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.notice {
  background: var(--panel); border: 1px dashed var(--line); border-radius: 10px;
  padding: 14px 16px; margin: 0 0 20px;
}
.cards {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 10px;
  margin-bottom: 14px;
}
.card {
  background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 10px 14px 11px; border-top: 3px solid var(--line); min-width: 0;
}
.card .k { color: var(--muted); font-size: 11.5px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; }
.card .v { font-size: 23px; font-weight: 680; font-variant-numeric: tabular-nums; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card .v small { font-size: 14px; font-weight: 600; color: var(--muted); }
.card .n { color: var(--muted); font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.card.c2xx { border-top-color: var(--c2xx); } .card.c3xx { border-top-color: var(--c3xx); }
.card.c4xx { border-top-color: var(--c4xx); } .card.c5xx { border-top-color: var(--c5xx); }
.card.cnone { border-top-color: var(--cnone); }
.strip { display: flex; height: 12px; border-radius: 6px; overflow: hidden; background: var(--line); }
.strip span { min-width: 3px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 8px 0 0; color: var(--muted); font-size: 12.5px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }
.legend b { color: var(--text); font-weight: 600; }
.c2xx { background: var(--c2xx); } .c3xx { background: var(--c3xx); } .c4xx { background: var(--c4xx); }
.c5xx { background: var(--c5xx); } .cnone { background: var(--cnone); } .cother { background: var(--cother); }
.card.c2xx, .card.c3xx, .card.c4xx, .card.c5xx, .card.cnone { background: var(--panel); }
.panels { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-top: 24px; }
.panel {
  margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 12px;
  padding: 14px 16px 10px; min-width: 0;
}
.panel.wide { grid-column: 1 / -1; }
.panel figcaption { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; margin-bottom: 6px; }
.panel figcaption .muted { font-size: 12.5px; }
@media (max-width: 820px) { .panels { grid-template-columns: 1fr; } }
svg.chart { display: block; width: 100%; height: auto; font-family: inherit; overflow: visible; }
svg .grid line { stroke: var(--grid); stroke-width: 1; }
svg .tick { fill: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
svg .value { fill: var(--text); font-size: 11px; font-weight: 600; }
svg .axis line { stroke: var(--muted); stroke-width: 1; opacity: 0.6; }
svg .hit { fill: transparent; }
svg g:hover > .hit { fill: var(--hover); }
svg .bar.ok { fill: var(--ok); } svg .bar.bad { fill: var(--bad); } svg .bar.latency { fill: var(--lat); }
svg .bar.c2xx { fill: var(--c2xx); } svg .bar.c3xx { fill: var(--c3xx); } svg .bar.c4xx { fill: var(--c4xx); }
svg .bar.c5xx { fill: var(--c5xx); } svg .bar.cnone { fill: var(--cnone); } svg .bar.cother { fill: var(--cother); }
svg .average line { stroke: var(--text); stroke-dasharray: 5 4; opacity: 0.55; }
svg .average text { fill: var(--text); font-size: 11px; }
svg .average text, svg .mark text, svg .value {
  paint-order: stroke; stroke: var(--panel); stroke-width: 3px; stroke-linejoin: round;
}
svg .mark line { stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .mark text { font-size: 11px; font-weight: 650; }
svg .p50 line { stroke: var(--p50); } svg .p50 text { fill: var(--p50); }
svg .p95 line { stroke: var(--p95); } svg .p95 text { fill: var(--p95); }
svg .p99 line { stroke: var(--p99); } svg .p99 text { fill: var(--p99); }
svg .frame { fill: none; stroke: var(--line); stroke-dasharray: 4 4; }
svg .empty { fill: var(--muted); font-size: 14px; }
table {
  width: 100%; border-collapse: separate; border-spacing: 0; table-layout: fixed;
  font-variant-numeric: tabular-nums;
}
.table {
  margin-top: 8px; background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  overflow: auto;
}
.table.scroll { max-height: 720px; }
th, td { text-align: left; padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: var(--hover); }
th {
  font-size: 11.5px; font-weight: 650; color: var(--muted); text-transform: uppercase;
  letter-spacing: 0.05em; cursor: pointer; user-select: none; white-space: nowrap;
  position: sticky; top: 0; z-index: 1; background: var(--panel);
}
th[data-dir="asc"]::after { content: " ▲"; } th[data-dir="desc"]::after { content: " ▼"; }
.num { text-align: right; white-space: nowrap; }
td.page { overflow: hidden; }
td.page > a, td.page > span.u, td.page div > a, td.page div > span.u {
  display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
}
.pill {
  display: inline-block; min-width: 3.2em; text-align: center; padding: 1px 8px; border-radius: 999px;
  color: #fff; font-size: 12px; font-weight: 650; max-width: 100%; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; vertical-align: 1px;
}
.pill.cother { color: #1d2330; }
td.share { white-space: nowrap; }
.refs { font-size: 12.5px; line-height: 1.45; }
.meter { display: inline-block; width: calc(100% - 4.2em); height: 8px; border-radius: 4px; background: var(--grid); margin-right: 8px; vertical-align: 0; }
.meter span { display: block; height: 100%; border-radius: 4px; background: var(--bad); }
p.none { margin: 8px 0; color: var(--muted); }
p.none.ok::before { content: "✓ "; color: var(--c2xx); font-weight: 700; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 8px 0 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 8px; font-size: 12.5px; }
`;
