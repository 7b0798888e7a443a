import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);

// A child process, so not beside the codec: libs/token-auth/src/format/auth-time-vectors.spec.ts checks the library
// against these vectors in process.
describe('auth_time test vectors (docs/test-vectors/auth-time-v1.json)', () => {
  it('are exactly what the spec-only generator prints', () => {
    const text = readFileSync(new URL('docs/test-vectors/auth-time-v1.json', root), 'utf8');
    const generated = execFileSync(process.execPath, ['docs/test-vectors/generate-auth-time.mjs'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(generated).toBe(text);
  });
});
