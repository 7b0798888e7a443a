import { Session } from 'node:inspector';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { TAG_BYTES, TOKEN_PREFIX } from '../format/token-format.js';
import { ManualClock } from '../testing/manual-clock.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { TokenService } from '../token.service.js';

/**
 * How many times `call` threw on its way out, counted by the inspector pausing on every exception (a catch that
 * throws again counts twice), and what it threw.
 */
function throwsOf(call: () => unknown): { throws: number; error: unknown } {
  const session = new Session();
  session.connect();
  let throws = 0;
  session.on('Debugger.paused', (message) => {
    if (message.params.reason === 'exception') throws++;
    session.post('Debugger.resume');
  });
  session.post('Debugger.enable');
  session.post('Debugger.setPauseOnExceptions', { state: 'all' });
  let error: unknown;
  try {
    call();
  } catch (caught) {
    error = caught;
  } finally {
    session.post('Debugger.setPauseOnExceptions', { state: 'none' });
    session.disconnect();
  }
  return { throws, error };
}

const withRandomTag = (token: string) => {
  const bytes = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
  randomBytes(TAG_BYTES).copy(bytes, bytes.length - TAG_BYTES);
  return TOKEN_PREFIX + bytes.toString('base64url');
};

describe('a refusal of the verifier', () => {
  it('is thrown once on its way out of verify: a throw costs a quarter of the HMAC, and a catch that counted and threw again cost that twice', async () => {
    const clock = new ManualClock();
    const moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting({ clock, accessTokenTtl: 60 })],
    }).compile();
    const tokens = moduleRef.get(TokenService);
    const stranger = (await Test.createTestingModule({ imports: [TokenAuthModule.forTesting()] }).compile()).get(
      TokenService,
    );
    const expired = tokens.issue('u').token;
    const revoked = tokens.issue('u').token;
    await tokens.revoke(revoked);
    const cases = {
      invalid_signature: withRandomTag(tokens.issue('u').token),
      unknown_key: withRandomTag(stranger.issue('u').token),
      wrong_purpose: tokens.issuePair('u').refresh.token,
      revoked_token: revoked,
      token_expired: expired,
    };
    for (const [code, token] of Object.entries(cases)) {
      if (code === 'token_expired') clock.advance(3_600_000);
      const { throws, error } = throwsOf(() => tokens.verify(token));
      expect(error).toBeInstanceOf(TokenAuthError);
      expect([(error as TokenAuthError).code, throws]).toEqual([code, 1]);
    }
  });
});
