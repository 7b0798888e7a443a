/** A GitHub-flavoured Markdown table; the first column is left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** Nanoseconds in the unit that reads best: ns, µs or ms. */
export function formatNs(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : ns < 100_000 ? 1 : 0)} µs`;
  return `${(ns / 1_000_000).toFixed(ns < 100_000_000 ? 1 : 0)} ms`;
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  return `${sign}${(Math.abs(bytes) / 1024 / 1024).toFixed(1)} MB`;
}
