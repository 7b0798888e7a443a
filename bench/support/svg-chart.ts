import type { Chart } from './report.js';
import { formatNs, formatRatio } from './markdown.js';

const WIDTH = 960;
const LABEL_WIDTH = 400;
const VALUE_WIDTH = 90;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
const BAR_HEIGHT = 18;
const BAR_GAP = 6;
const TITLE_HEIGHT = 34;
const AXIS_HEIGHT = 22;
const PANEL_GAP = 24;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function formatValue(chart: Chart, value: number): string {
  return chart.format === 'ns' ? formatNs(value) : formatRatio(value);
}

/** Maps a value to an x offset in the plot, and lists the grid lines: decades on a log scale, tenths on a linear one. */
function scaleOf(chart: Chart): { x: (value: number) => number; ticks: number[] } {
  const values = chart.bars.map((bar) => bar.value).filter((value) => value > 0);
  if (chart.log) {
    const lo = Math.floor(Math.log10(Math.min(...values)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))));
    const ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
    return { x: (v) => ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * PLOT_WIDTH, ticks };
  }
  const max = Math.max(1.2, ...values);
  const step = [0.2, 0.25, 0.5, 1, 2, 5].find((s) => max / s <= 8) ?? 10;
  const hi = Math.ceil(max / step) * step;
  const ticks = Array.from({ length: Math.round(hi / step) + 1 }, (_, i) => Math.round(i * step * 100) / 100);
  return { x: (v) => (Math.max(0, v) / hi) * PLOT_WIDTH, ticks };
}

function panel(chart: Chart, top: number): { svg: string; height: number } {
  const { x, ticks } = scaleOf(chart);
  const plotTop = top + TITLE_HEIGHT;
  const plotHeight = chart.bars.length * (BAR_HEIGHT + BAR_GAP);
  const parts = [`<text x="10" y="${top + 22}" class="title">${escape(chart.title)}</text>`];
  for (const tick of ticks) {
    const tx = LABEL_WIDTH + x(tick);
    // On a ratio chart, 1.00x is the reference (the unguarded route): drawn darker.
    const grid = chart.format === 'ratio' && tick === 1 ? 'reference' : 'grid';
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="${plotTop}" x2="${tx.toFixed(1)}" y2="${plotTop + plotHeight}" class="${grid}"/>`,
      `<text x="${tx.toFixed(1)}" y="${plotTop + plotHeight + 15}" class="tick">${escape(formatValue(chart, tick))}</text>`,
    );
  }
  chart.bars.forEach((bar, i) => {
    const y = plotTop + i * (BAR_HEIGHT + BAR_GAP);
    const width = Math.max(1, x(bar.value));
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" class="label">${escape(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" class="${bar.ours ? 'ours' : 'other'}"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 13}" class="value">${escape(formatValue(chart, bar.value))}</text>`,
    );
  });
  return { svg: parts.join('\n'), height: TITLE_HEIGHT + plotHeight + AXIS_HEIGHT };
}

/** A hand-written SVG of horizontal bar charts, one panel per chart, our library's bars highlighted. */
export function renderChart(charts: readonly Chart[]): string {
  let top = 10;
  const panels: string[] = [];
  for (const chart of charts.filter((c) => c.bars.length > 0)) {
    const { svg, height } = panel(chart, top);
    panels.push(svg);
    top += height + PANEL_GAP;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="system-ui, sans-serif">`,
    '<style>',
    '.title { font-size: 15px; font-weight: 600; fill: #222; }',
    '.label { font-size: 12px; fill: #333; text-anchor: end; }',
    '.value { font-size: 11px; fill: #333; }',
    '.tick { font-size: 10px; fill: #777; text-anchor: middle; }',
    '.grid { stroke: #ddd; stroke-width: 1; }',
    '.reference { stroke: #555; stroke-width: 1; stroke-dasharray: 4 3; }',
    '.ours { fill: #2a7ae2; }',
    '.other { fill: #a0a7b4; }',
    '</style>',
    `<rect width="${WIDTH}" height="${top}" fill="#fff"/>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
