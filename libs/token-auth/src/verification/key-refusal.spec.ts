import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { toHttpException } from '../errors/token-auth-http.exception.js';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { OFFSET_KEY_ID, TAG_BYTES, TOKEN_PREFIX } from '../format/token-format.js';
import { bearerChallenge } from '../http/bearer-challenge.js';
import { generateKey } from '../keys/generate-key.js';
import { KeyRing } from '../keys/key-ring.js';
import { KeyRingManager } from '../keys/key-ring-manager.js';
import { StaticKeyProvider } from '../keys/static.key-provider.js';
import { ManualClock } from '../testing/manual-clock.js';
import { TokenAuthModule } from '../token-auth.module.js';
import { TokenService } from '../token.service.js';
import { KEY_REFUSAL_LOG_INTERVAL_MS, KeyRefusalLog } from './key-refusal-log.js';

const T = Date.parse('2026-06-01T00:00:00Z');

/** `token` naming key `keyId` instead, with a random tag: what anyone can send. */
function withKeyAndRandomTag(token: string, keyId: string): string {
  const bytes = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url');
  Buffer.from(keyId, 'base64url').copy(bytes, OFFSET_KEY_ID);
  randomBytes(TAG_BYTES).copy(bytes, bytes.length - TAG_BYTES);
  return TOKEN_PREFIX + bytes.toString('base64url');
}

/** What `verify` threw for `token`. */
function refusalOf(tokens: TokenService, token: string): TokenAuthError {
  try {
    tokens.verify(token);
  } catch (error) {
    if (error instanceof TokenAuthError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
}

/** A ring of an active key, a key that stopped signing a minute ago and a retired one, on a clock at T. */
async function ringWithRetiringKeys() {
  const active = generateKey('active');
  const stoppedSigning = {
    ...generateKey('verify-only'),
    signedUntil: new Date(T - 60_000).toISOString(),
    retireAfter: new Date(T + 86_400_000).toISOString(),
  };
  const retired = { ...generateKey('verify-only'), retireAfter: new Date(T - 1).toISOString() };
  const moduleRef = await Test.createTestingModule({
    imports: [
      TokenAuthModule.forTesting({
        keyProvider: new StaticKeyProvider([active, stoppedSigning, retired]),
        clock: new ManualClock(T),
        clockTolerance: 5,
      }),
    ],
  }).compile();
  const tokens = moduleRef.get(TokenService);
  return {
    tokens,
    manager: moduleRef.get(KeyRingManager),
    active,
    stoppedSigning,
    retired,
    own: tokens.issue('user-42').token,
  };
}

describe('a token refused for its key', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('is answered exactly as a bad signature: code, message, HTTP body, challenge; the detail stays in `code`', async () => {
    const { tokens, active, stoppedSigning, retired, own } = await ringWithRetiringKeys();
    const refusals = {
      badSignature: refusalOf(tokens, withKeyAndRandomTag(own, active.id)),
      // Issued now, after the key's signedUntil plus the tolerance: the oracle of issue 23.
      afterSignedUntil: refusalOf(tokens, withKeyAndRandomTag(own, stoppedSigning.id)),
      retired: refusalOf(tokens, withKeyAndRandomTag(own, retired.id)),
      unknownKey: refusalOf(tokens, withKeyAndRandomTag(own, generateKey().id)),
    };
    expect(refusals.badSignature.code).toBe('invalid_signature');
    for (const kind of ['afterSignedUntil', 'retired', 'unknownKey'] as const) {
      expect(refusals[kind].code).toBe('unknown_key');
    }
    const answers = Object.values(refusals).map((error) => ({
      publicCode: error.publicCode,
      publicMessage: error.publicMessage,
      message: error.message,
      body: toHttpException(error).getResponse(),
      status: toHttpException(error).getStatus(),
      challenge: bearerChallenge(error),
    }));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toEqual({
      publicCode: 'invalid_signature',
      publicMessage: 'invalid token signature',
      message: 'invalid token signature',
      body: { statusCode: 401, error: 'Unauthorized', code: 'invalid_signature', message: 'invalid token signature' },
      status: 401,
      challenge: 'Bearer error="invalid_token", error_description="invalid token signature"',
    });
  });

  it('asks for a reload only for a key id the ring lacks, not for a key it holds but no longer accepts', async () => {
    const { tokens, manager, stoppedSigning, retired, own } = await ringWithRetiringKeys();
    const requestRefresh = jest.spyOn(manager, 'requestRefresh');
    refusalOf(tokens, withKeyAndRandomTag(own, retired.id));
    refusalOf(tokens, withKeyAndRandomTag(own, stoppedSigning.id));
    expect(requestRefresh).not.toHaveBeenCalled();
    refusalOf(tokens, withKeyAndRandomTag(own, generateKey().id));
    expect(requestRefresh).toHaveBeenCalledTimes(1);
  });

  it('logs its reason at debug level, never the token', async () => {
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const { tokens, stoppedSigning, own } = await ringWithRetiringKeys();
    const token = withKeyAndRandomTag(own, stoppedSigning.id);
    refusalOf(tokens, token);
    expect(debug).toHaveBeenCalledTimes(1);
    const line = String(debug.mock.calls[0]![0]);
    expect(line).toContain(`named key "${stoppedSigning.id}" with an issue time of 2026-06-01T00:00:00.000Z`);
    expect(line).toContain(`signedUntil (${stoppedSigning.signedUntil})`);
    expect(line).not.toContain(token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 20));
  });
});

describe('KeyRefusalLog', () => {
  const ring = KeyRing.from([generateKey('active')]);

  it('writes at most one line a minute, counting the refusals since the last line', () => {
    const lines: string[] = [];
    const logger: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };
    logger.debug = (message: string) => void lines.push(message);
    let now = T;
    const log = new KeyRefusalLog(logger, () => now);
    for (let i = 0; i < 1000; i++) log.refused(ring, 'AAAAAAAAAAAA', T, T, 0);
    expect(lines).toEqual([
      '1 token refused for the key it names since the last such line, answered invalid_signature; the latest named ' +
        'key "AAAAAAAAAAAA", which is not in the ring',
    ]);
    now += KEY_REFUSAL_LOG_INTERVAL_MS - 1;
    log.refused(ring, 'AAAAAAAAAAAA', T, T, 0);
    expect(lines).toHaveLength(1);
    now += 1;
    log.refused(ring, ring.active.id, T, T, 0);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^1001 tokens refused for the keys they name since the last such line/);
  });
});
