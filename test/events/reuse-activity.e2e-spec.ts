import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createDemoApp } from '../../apps/demo/src/create-demo-app.js';
import { loadDemoConfig } from '../../apps/demo/src/config/demo-config.js';
import { DemoMetrics } from '../../apps/demo/src/metrics/demo-metrics.js';
import { CapturedLogger } from '../support/captured-logger.js';
import { eventually } from '../support/eventually.js';
import { ADAPTERS, keyRingText, PASSWORD } from '../demo/support/demo-harness.js';

const USER_AGENT = 'Victim-Browser/1.0 (events test)';

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The demo with its metrics on (`METRICS_PORT=0`: a free port) and a 1 s replay window, its log lines kept. */
async function start(adapter: (typeof ADAPTERS)[number]) {
  const logger = new CapturedLogger();
  const config = loadDemoConfig({
    DEMO_ADAPTER: adapter,
    DEMO_DB_PATH: ':memory:',
    TOKEN_AUTH_KEYS: keyRingText(),
    LOGIN_RATE_LIMIT: '1000',
    REFRESH_REPLAY_WINDOW: '1',
    METRICS_PORT: '0',
  });
  app = await createDemoApp(config, { logger });
  const http = () => request(app!.getHttpServer());
  const metricsUrl = app.get(DemoMetrics).url!;
  return { http, logger, metricsUrl };
}

describe.each(ADAPTERS)('a refresh token replayed past its window (%s)', (adapter) => {
  it("shows in the victim's activity and in the metrics, and no log line holds a token", async () => {
    const { http, logger, metricsUrl } = await start(adapter);
    await http().post('/auth/register').send({ username: 'victim', password: PASSWORD }).expect(201);
    const login = await http()
      .post('/auth/login')
      .set('User-Agent', USER_AGENT)
      .send({ username: 'victim', password: PASSWORD })
      .expect(200);
    const stolen: string = login.body.refresh_token;
    const tokens = [login.body.access_token as string, stolen];

    // The victim refreshes; the thief, who copied the first refresh token, replays it after the 1 s window.
    const refreshed = await http().post('/auth/refresh').send({ refresh_token: stolen }).expect(200);
    tokens.push(refreshed.body.access_token, refreshed.body.refresh_token);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const replay = await http().post('/auth/refresh').send({ refresh_token: stolen }).expect(401);
    expect(replay.body.code).toBe('revoked_token');
    // The whole session is revoked: the victim's current tokens too.
    await http().get('/me').set('Authorization', `Bearer ${refreshed.body.access_token}`).expect(401);

    // The victim signs in again and reads their activity.
    const again = await http()
      .post('/auth/login')
      .set('User-Agent', USER_AGENT)
      .send({ username: 'victim', password: PASSWORD })
      .expect(200);
    tokens.push(again.body.access_token, again.body.refresh_token);
    const bearer = `Bearer ${again.body.access_token}`;
    type Entry = { kind: string; at: string; device?: { userAgent?: string } };
    let activity: Entry[] = [];
    await eventually(async () => {
      const response = await http().get('/me/activity').set('Authorization', bearer).expect(200);
      activity = response.body as Entry[];
      return activity.length >= 3;
    }, 'the activity log holds the second sign-in');
    expect(activity.map((entry) => entry.kind)).toEqual(['signed_in', 'reuse_detected', 'signed_in']);
    // Each sign-in with its device, and the reuse with the device of the session it ended.
    for (const entry of activity) expect(entry.device?.userAgent).toBe(USER_AGENT);
    expect(Date.parse(activity[1]!.at)).not.toBeNaN();

    // A password change ends every other session: the log says so, not "signed out everywhere".
    const changed = await http()
      .post('/auth/password')
      .set('Authorization', bearer)
      .send({ old_password: PASSWORD, new_password: `${PASSWORD} 2` })
      .expect(200);
    tokens.push(changed.body.access_token, changed.body.refresh_token);
    await eventually(async () => {
      const response = await http()
        .get('/me/activity')
        .set('Authorization', `Bearer ${changed.body.access_token}`)
        .expect(200);
      activity = response.body as Entry[];
      return activity[0]?.kind === 'signed_in' && activity[1]?.kind === 'password_changed';
    }, 'the password change is in the activity log');

    // The metrics: the reuse is a refresh outcome, the refused replay counted there, not as an event per request.
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toMatch(/^token_auth_refresh_duration_count\{token_auth_outcome="reused"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^token_auth_refresh_duration_count\{token_auth_outcome="rotated"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^token_auth_verifications_total\{token_auth_outcome="revoked_token"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^token_auth_revocation_duration_count\{[^}]*token_auth_revocation_kind="session"/m);

    // Nothing logged (the reuse warning among the lines) and nothing in the metrics holds any of the tokens.
    expect(logger.lines.some((line) => line.includes('reused'))).toBe(true);
    for (const token of tokens) {
      expect(typeof token).toBe('string');
      expect(logger.lines.filter((line) => line.includes(token))).toEqual([]);
      expect(metrics.includes(token)).toBe(false);
    }
  });
});

describe('GET /metrics', () => {
  it('is off by default: no listener, and the app port does not serve it', async () => {
    const config = loadDemoConfig({ DEMO_DB_PATH: ':memory:', TOKEN_AUTH_KEYS: keyRingText() });
    app = await createDemoApp(config, { logger: false });
    expect(app.get(DemoMetrics).url).toBeUndefined();
    const answer = await request(app.getHttpServer()).get('/metrics');
    expect(answer.status).toBe(404);
  });

  it('METRICS_PORT must be a port number', () => {
    const config = loadDemoConfig({ DEMO_DB_PATH: ':memory:', TOKEN_AUTH_KEYS: keyRingText(), METRICS_PORT: 'x' });
    return expect(createDemoApp(config, { logger: false })).rejects.toThrow(/METRICS_PORT must be/);
  });
});
