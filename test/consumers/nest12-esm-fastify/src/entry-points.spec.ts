import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as main from 'nestjs-token-auth';
import * as aws from 'nestjs-token-auth/aws';
import * as redis from 'nestjs-token-auth/redis';
import * as terminus from 'nestjs-token-auth/terminus';
import { CurrentUser } from 'nestjs-token-auth';

const ENTRIES = ['nestjs-token-auth', 'nestjs-token-auth/aws', 'nestjs-token-auth/redis', 'nestjs-token-auth/terminus'];

/** Type-checked only (`npm run typecheck`, skipLibCheck off): `@CurrentUser()` refuses a field the user has not. */
export class CurrentUserTypo {
  // @ts-expect-error: 'subject' is no field of the user (it is 'sub')
  typo(@CurrentUser('subject') subject: string) {
    return subject;
  }
}

describe('nestjs-token-auth entry points in an ESM app', () => {
  it('loads every entry point', () => {
    expect(typeof main.TokenAuthModule).toBe('function');
    expect(typeof aws.AwsSecretsManagerKeyProvider).toBe('function');
    expect(typeof redis.RedisRevocationStore).toBe('function');
    expect(typeof terminus.TokenAuthHealthIndicator).toBe('function');
  });

  it('Node resolves import to the ESM build and require to the CommonJS build', () => {
    const script = `for (const e of ${JSON.stringify(ENTRIES)}) console.log(import.meta.resolve(e))`;
    const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(resolved).toHaveLength(4);
    for (const url of resolved) expect(url).toMatch(/\/node_modules\/nestjs-token-auth\/dist\/esm\//);
    const require = createRequire(import.meta.url);
    for (const entry of ENTRIES)
      expect(require.resolve(entry)).toMatch(/\/node_modules\/nestjs-token-auth\/dist\/cjs\//);
  });

  it('runs on the Node version it was asked to', () => {
    const expected = process.env.CONSUMER_NODE_MAJOR;
    if (expected !== undefined) expect(process.versions.node.split('.')[0]).toBe(expected);
  });
});
