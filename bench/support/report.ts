/** A target from the issue, checked against a figure of this run. */
export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean;
  /** What bounds the figure, when that is worth saying next to it (the floor a target cannot go below). */
  note?: string;
}

export interface ChartBar {
  label: string;
  value: number;
  /** Highlights our library's bars. */
  ours?: boolean;
}

export interface Chart {
  title: string;
  /** How values read: durations in nanoseconds, or ratios. */
  format: 'ns' | 'ratio';
  /** Log scale for values spanning orders of magnitude (microseconds to milliseconds). */
  log: boolean;
  bars: ChartBar[];
}

const targets: TargetCheck[] = [];
const charts: Chart[] = [];

/** Suites record their target checks and chart data here; the runner publishes them after every suite ran. */
export function recordTarget(check: TargetCheck): void {
  targets.push(check);
}

export function recordChart(chart: Chart): void {
  charts.push(chart);
}

export function recorded(): { targets: readonly TargetCheck[]; charts: readonly Chart[] } {
  return { targets, charts };
}
