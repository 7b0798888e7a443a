/**
 * Sections of BENCHMARKS.md that `npm run bench` does not measure (a separate, hand-started run writes them, as
 * `npm run bench:scale` does for "Sessions at scale", and `bench/instructions/count-metrics.ts` for the cost of
 * security events and metrics): a rewrite takes each one over from the existing file verbatim.
 */
export const CARRIED_SECTIONS = ['Sessions at scale', 'Security events and metrics'] as const;

/**
 * The level-2 sections of `markdown` with these headings, verbatim from their `## ` line up to the next level-2
 * heading or the end, in the order given; a heading the file does not have is skipped.
 */
export function carriedSections(markdown: string, headings: readonly string[] = CARRIED_SECTIONS): string[] {
  const lines = markdown.split('\n');
  return headings.flatMap((heading) => {
    const start = lines.indexOf(`## ${heading}`);
    if (start === -1) return [];
    const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
    return [
      lines
        .slice(start, end === -1 ? undefined : end)
        .join('\n')
        .trimEnd(),
    ];
  });
}
