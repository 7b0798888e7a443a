import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { carriedSections } from '../../bench/support/carried-sections.js';

/** `npm run bench` rewrites BENCHMARKS.md; the sections a separate run measured must come through verbatim. */
describe('bench: sections carried over a rewrite of BENCHMARKS.md', () => {
  const file = [
    '# Benchmarks',
    '',
    '## Memory',
    'heap',
    '',
    '## Sessions at scale',
    '',
    'by hand',
    '',
    '### detail',
    '| a | b |',
    '',
    '## Revocation',
    'p99',
    '',
  ].join('\n');

  it('takes a section verbatim, its subsections included, up to the next level-2 heading', () => {
    expect(carriedSections(file, ['Sessions at scale'])).toEqual([
      '## Sessions at scale\n\nby hand\n\n### detail\n| a | b |',
    ]);
  });

  it('takes the last section up to the end, and skips a heading the file does not have', () => {
    expect(carriedSections(file, ['Revocation', 'Absent'])).toEqual(['## Revocation\np99']);
  });

  it('carries the sessions-at-scale section of the published BENCHMARKS.md by default', () => {
    const published = readFileSync(new URL('../../BENCHMARKS.md', import.meta.url), 'utf8');
    const [section] = carriedSections(published);
    expect(section).toMatch(/^## Sessions at scale\n/);
    expect(section).toContain('npm run bench:scale');
    expect(published).toContain(section);
  });

  it('carries the security-events-and-metrics section, measured by count-metrics.js, by default', () => {
    const published = readFileSync(new URL('../../BENCHMARKS.md', import.meta.url), 'utf8');
    const [, section] = carriedSections(published);
    expect(section).toMatch(/^## Security events and metrics\n/);
    expect(section).toContain('count-metrics.js');
    expect(published).toContain(section);
  });
});
