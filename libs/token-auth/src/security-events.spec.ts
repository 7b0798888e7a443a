import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Logger, Module, type INestApplicationContext } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { SecurityEvent } from './events/security-event.js';
import { SecurityEvents } from './events/security-events.js';
import { TokenAuthModule } from './token-auth.module.js';
import type { TokenAuthTestingOptions } from './testing/testing-module.js';
import { ManualClock } from './testing/manual-clock.js';
import { TokenService } from './token.service.js';

const contexts: INestApplicationContext[] = [];
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

async function moduleWith(options: TokenAuthTestingOptions = {}, imports: unknown[] = [], providers: unknown[] = []) {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting(options), ...(imports as [])],
    providers: providers as [],
  }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  contexts.push(app);
  return {
    app,
    tokens: app.get(TokenService),
    events: app.get(SecurityEvents),
    clock: app.get(ManualClock),
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Every line the library's loggers write while `run` runs. */
async function logLines(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const methods = ['log', 'warn', 'error'] as const;
  const originals = methods.map((m) => Logger.prototype[m]);
  for (const m of methods) {
    Logger.prototype[m] = function (message: unknown) {
      lines.push(`${m} ${String(message)}`);
    };
  }
  try {
    await run();
  } finally {
    methods.forEach((m, i) => (Logger.prototype[m] = originals[i]!));
  }
  return lines;
}

describe('security events', () => {
  it('a login, a refresh, a replay within the window, a reuse and the revocations, in order, with no token in any', async () => {
    const { tokens, events, clock } = await moduleWith({ refreshReplayWindow: 5 });
    const seen: SecurityEvent[] = [];
    events.stream.subscribe((event) => seen.push(event));

    const login = tokens.issuePair('user-1', { device: { userAgent: 'Firefox', label: 'laptop' } });
    const sid = login.access.claims.sid;
    clock.advance(1000);
    const next = await tokens.refresh(login.refresh.token);
    await tokens.refresh(login.refresh.token); // within the window: the same pair
    await tokens.refresh(next.refresh.token); // the successor is used...
    clock.advance(1000);
    await expect(tokens.refresh(login.refresh.token)).rejects.toMatchObject({ code: 'revoked_token' }); // ...reuse
    const other = tokens.issuePair('user-1');
    await tokens.revokeSession(other.access.claims.sid, { subject: 'user-1', by: 'other_session' });
    await tokens.revokeAllForUser('user-1', { reason: 'password_changed' });
    await nextTurn();

    expect(seen.map((e) => e.type)).toEqual([
      'session.signed_in',
      'session.refreshed',
      'session.refresh_replayed',
      'session.refreshed',
      'session.reuse_detected',
      'session.signed_in',
      'session.revoked',
      'user.sessions_revoked',
    ]);
    expect(seen[0]).toEqual({
      type: 'session.signed_in',
      time: clock.now() - 2000,
      subject: 'user-1',
      sessionId: sid,
      device: { userAgent: 'Firefox', label: 'laptop' },
    });
    expect(seen[4]).toMatchObject({
      subject: 'user-1',
      sessionId: sid,
      reason: 'refresh_token_reused',
      persisted: true,
    });
    expect(seen[6]).toMatchObject({ by: 'other_session', subject: 'user-1', reason: 'logout', persisted: true });
    expect(seen[7]).toMatchObject({ subject: 'user-1', by: 'user', reason: 'password_changed', persisted: true });
    const text = JSON.stringify(seen);
    for (const token of [login.access, login.refresh, next.access, next.refresh, other.access, other.refresh]) {
      expect(text).not.toContain(token.token);
    }
  });

  it('refusals are counted by code, not streamed: 100 000 forged tokens, no event, exact counts, memory flat', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { tokens, events } = await moduleWith();
    let received = 0;
    events.stream.subscribe(() => received++);
    const good = tokens.issue('user-1').token;
    const bytes = Buffer.from(good.slice('nta1.'.length), 'base64url');
    const forge = () => {
      randomBytes(32).copy(bytes, bytes.length - 32);
      return `nta1.${bytes.toString('base64url')}`;
    };
    const refuse = (count: number) => {
      for (let i = 0; i < count; i++) {
        try {
          tokens.verify(forge());
        } catch {
          // refused: invalid_signature
        }
      }
    };
    refuse(20_000);
    await nextTurn();
    gc();
    const before = getHeapStatistics().used_heap_size;
    refuse(80_000);
    await nextTurn();
    gc();
    const grown = getHeapStatistics().used_heap_size - before;
    expect(received).toBe(0);
    expect(events.counters().verifications).toEqual({ ok: 0, invalid_signature: 100_000 });
    expect(events.delivery()).toEqual({ delivered: 0, dropped: 0, subscriberFailures: 0 });
    // 80 000 refusals in between: a per-refusal leak of even 20 bytes would show.
    expect(grown).toBeLessThan(1_600_000);
  });

  it('counts verifications by outcome and cache hits exactly', async () => {
    const { tokens, events, clock } = await moduleWith();
    const token = tokens.issue('user-1', { ttl: 60 }).token;
    for (let i = 0; i < 5; i++) tokens.verify(token);
    clock.advance(120_000);
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
    expect(() => tokens.verify('nonsense')).toThrow(expect.objectContaining({ code: 'token_malformed' }));
    // The cache takes a token on its second verification: the 3rd, 4th and 5th were hits, and the expired one.
    expect(events.counters()).toMatchObject({
      verifications: { ok: 5, token_expired: 1, token_malformed: 1 },
      cacheHits: 4,
    });
  });

  it('a subscriber that throws, one that never returns and a meter provider that throws: every answer kept, each cause logged once', async () => {
    const throwingProvider = {
      getMeter: () => {
        throw new Error('meter provider down');
      },
    };
    let counts: ReturnType<SecurityEvents['counters']> | undefined;
    const lines = await logLines(async () => {
      const { tokens, events } = await moduleWith({ metrics: { meterProvider: throwingProvider } });
      events.stream.subscribe(() => {
        throw new Error('subscriber bug');
      });
      events.stream.subscribe(() => new Promise(() => undefined));
      const seen: string[] = [];
      events.stream.subscribe((event) => seen.push(event.type));
      for (let i = 0; i < 50; i++) {
        const pair = tokens.issuePair(`user-${i}`);
        expect(tokens.verify(pair.access.token).sub).toBe(`user-${i}`);
        const next = await tokens.refresh(pair.refresh.token);
        expect(next.access.claims.sid).toBe(pair.access.claims.sid);
        await expect(tokens.revokeSession(pair.access.claims.sid)).resolves.toMatchObject({ persisted: true });
      }
      await nextTurn();
      expect(seen).toHaveLength(150);
      counts = events.counters();
      expect(events.delivery()).toMatchObject({ delivered: 150, dropped: 0, subscriberFailures: 150 });
    });
    expect(counts).toMatchObject({
      verifications: { ok: 50 },
      refreshes: { rotated: 50 },
      revocations: { session: 50 },
    });
    expect(lines.filter((line) => line.includes('subscriber bug'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('meter provider down'))).toHaveLength(1);
  });

  it('where the app has @nestjs/event-emitter, the same events arrive there as token_auth.<type>', async () => {
    const received: SecurityEvent[] = [];
    @Injectable()
    class Listener {
      @OnEvent('token_auth.session.signed_in')
      signedIn(event: SecurityEvent) {
        received.push(event);
      }
      @OnEvent('token_auth.user.sessions_revoked')
      revokedAll() {
        throw new Error('listener bug');
      }
    }
    @Module({ providers: [Listener] })
    class ListenerModule {}
    const { tokens } = await moduleWith({}, [EventEmitterModule.forRoot(), ListenerModule]);
    const pair = tokens.issuePair('user-9');
    await expect(tokens.revokeAllForUser('user-9')).resolves.toMatchObject({ persisted: true });
    await nextTurn();
    expect(received).toEqual([
      expect.objectContaining({ type: 'session.signed_in', sessionId: pair.access.claims.sid }),
    ]);
  });

  it('without @nestjs/event-emitter in the app, nothing is emitted there and nothing fails', async () => {
    const { tokens, events } = await moduleWith();
    expect(() => tokens.issuePair('user-1')).not.toThrow();
    expect(events.delivery().delivered).toBe(0);
  });
});
