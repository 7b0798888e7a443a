import * as main from 'nestjs-token-auth';
import * as aws from 'nestjs-token-auth/aws';
import * as redis from 'nestjs-token-auth/redis';
import * as terminus from 'nestjs-token-auth/terminus';
import { CurrentUser } from 'nestjs-token-auth';

/** Type-checked only (`npm run typecheck`, skipLibCheck off): `@CurrentUser()` refuses a field the user has not. */
export class CurrentUserTypo {
  // @ts-expect-error: 'subject' is no field of the user (it is 'sub')
  typo(@CurrentUser('subject') subject: string) {
    return subject;
  }
}

describe('nestjs-token-auth entry points in a CommonJS app', () => {
  it('loads the CommonJS build of every entry point', () => {
    for (const entry of [
      'nestjs-token-auth',
      'nestjs-token-auth/aws',
      'nestjs-token-auth/redis',
      'nestjs-token-auth/terminus',
    ]) {
      expect(require.resolve(entry)).toMatch(/node_modules[\\/]nestjs-token-auth[\\/]dist[\\/]cjs[\\/]/);
    }
    expect(typeof main.TokenAuthModule).toBe('function');
    expect(typeof aws.AwsSecretsManagerKeyProvider).toBe('function');
    expect(typeof redis.RedisRevocationStore).toBe('function');
    expect(typeof terminus.TokenAuthHealthIndicator).toBe('function');
  });

  it('shares its injection tokens with the ESM build (Symbol.for), so both builds in one process agree', () => {
    expect(main.TOKEN_AUTH_OPTIONS).toBe(Symbol.for('nestjs-token-auth:options'));
    expect(main.REVOCATION_STORE).toBe(Symbol.for('nestjs-token-auth:revocation-store'));
    expect(main.KEY_PROVIDER).toBe(Symbol.for('nestjs-token-auth:key-provider'));
  });

  it('runs on the Node version it was asked to', () => {
    const expected = process.env.CONSUMER_NODE_MAJOR;
    if (expected !== undefined) expect(process.versions.node.split('.')[0]).toBe(expected);
  });
});
