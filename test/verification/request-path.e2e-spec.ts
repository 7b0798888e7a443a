import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../demo/support/built-demo.js';

/**
 * Which files of the built library run code during one `TokenService.verify`, on a cache hit and on a miss, as V8's
 * precise coverage counts function calls: the files a reader must open to follow a verification. The key ring and
 * the revocation store are the collaborators a verification asks (`KeyRing.keyFor`, `RevocationStore.isRevoked`,
 * each behind its own folder and interface), listed apart.
 */
const SCRIPT = `
import 'reflect-metadata';
import { Session } from 'node:inspector/promises';
import { Test } from '@nestjs/testing';
import { generateKey, StaticKeyProvider, TokenAuthModule, TokenService } from 'nestjs-token-auth';

// As an app configures it (Date.now as the clock), not the testing module's manual clock.
const moduleRef = await Test.createTestingModule({
  imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey()]) })],
}).compile();
await moduleRef.init();
const tokens = moduleRef.get(TokenService);
const cached = tokens.issue('cached', { claims: { role: 'reader' } }).token;
// The second verification caches a token; a few more let V8 settle.
for (let i = 0; i < 5; i++) tokens.verify(cached);
const fresh = tokens.issue('fresh', { claims: { role: 'writer' } }).token;

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
const filesRun = async (operation) => {
  await session.post('Profiler.takePreciseCoverage');
  operation();
  const { result } = await session.post('Profiler.takePreciseCoverage');
  return result
    .filter((script) => script.url.includes('/libs/token-auth/dist/esm/'))
    .filter((script) => script.functions.some((fn) => fn.ranges[0].count > 0))
    .map((script) => script.url.split('/libs/token-auth/dist/esm/')[1])
    .sort();
};
const hit = await filesRun(() => tokens.verify(cached));
const miss = await filesRun(() => tokens.verify(fresh));
console.log(JSON.stringify({ hit, miss }));
await moduleRef.close();
`;

const isCollaborator = (file: string) => file.startsWith('keys/') || file.startsWith('revocation/');

describe('a verification reads top to bottom', () => {
  const { hit, miss } = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: REPO_ROOT, encoding: 'utf8' }),
  ) as { hit: string[]; miss: string[] };

  it('runs three files of its own on a cache hit: the facade, the verifier and the cache', () => {
    expect(hit.filter((file) => !isCollaborator(file))).toEqual([
      'token.service.js',
      'verification/token-verifier.js',
      'verification/verified-token-cache.js',
    ]);
  });

  it('runs five on a miss: those, the wire format and the decoding memos', () => {
    expect(miss.filter((file) => !isCollaborator(file))).toEqual([
      'format/token-codec.js',
      'token.service.js',
      'verification/decoded-fields.js',
      'verification/token-verifier.js',
      'verification/verified-token-cache.js',
    ]);
  });

  it('asks only the key ring and the memory store beyond them', () => {
    expect(hit.filter(isCollaborator)).toEqual(
      expect.arrayContaining(['keys/key-ring-manager.js', 'keys/key-ring.js']),
    );
    for (const file of [...hit, ...miss].filter(isCollaborator)) {
      expect(file).toMatch(
        /^(keys\/key-ring(-manager)?|revocation\/(memory\.revocation-store|revocation-set|expiring-map))\.js$/,
      );
    }
  });
});
