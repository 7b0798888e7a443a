import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { ADAPTERS, PASSWORD, startDemo, type DemoHarness } from '../demo/support/demo-harness.js';

const CSRF = { 'X-CSRF-Protection': '1' };

function setCookies(response: Response): string[] {
  const value = response.headers['set-cookie'] as unknown;
  return Array.isArray(value) ? value : [];
}

/** The `name=value` pairs a browser would send back, dropping cleared cookies. */
function jar(lines: string[]): string {
  return lines
    .map((line) => line.split(';')[0]!)
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

describe.each(ADAPTERS)('the demo in cookie mode on %s', (adapter) => {
  let demo: DemoHarness;
  let cookies: string;

  beforeAll(async () => {
    demo = await startDemo(adapter);
    await demo.register('grace');
  });
  afterAll(() => demo.close());

  it('a login with the CSRF header gets HttpOnly cookies and no token in the body', async () => {
    const response = await demo
      .http()
      .post('/auth/login')
      .set(CSRF)
      .send({ username: 'grace', password: PASSWORD })
      .expect(200);
    expect(response.body).toEqual({ token_type: 'Bearer', expires_in: 900 });
    const lines = setCookies(response);
    // Supertest speaks plain http to a development server: no __Host- prefix, no Secure.
    expect(lines.map((line) => line.split('=')[0]).sort()).toEqual(['nta_access', 'nta_refresh']);
    for (const line of lines) expect(line).toMatch(/; Path=\/; HttpOnly; SameSite=Strict$/);
    cookies = jar(lines);
  });

  it('serves guarded routes by cookie, and state-changing ones only with the CSRF header', async () => {
    await demo.http().get('/me').set('Cookie', cookies).expect(200);
    const refused = await demo.http().post('/notes').set('Cookie', cookies).send({ text: 'x' }).expect(403);
    expect(refused.body.code).toBe('csrf_header_missing');
    await demo.http().post('/notes').set('Cookie', cookies).set(CSRF).send({ text: 'from the page' }).expect(201);
  });

  it('refreshes from the refresh cookie, refusing it without the CSRF header or next to a body token', async () => {
    expect((await demo.http().post('/auth/refresh').set('Cookie', cookies).send({}).expect(403)).body.code).toBe(
      'csrf_header_missing',
    );
    const ambiguous = await demo
      .http()
      .post('/auth/refresh')
      .set('Cookie', cookies)
      .set(CSRF)
      .send({ refresh_token: 'nta1.x' })
      .expect(401);
    expect(ambiguous.body.code).toBe('token_ambiguous');

    const response = await demo.http().post('/auth/refresh').set('Cookie', cookies).set(CSRF).send({}).expect(200);
    expect(response.body).toEqual({ token_type: 'Bearer', expires_in: 900 });
    const renewed = jar(setCookies(response));
    expect(renewed).not.toBe(cookies);
    cookies = renewed;
    await demo.http().get('/me').set('Cookie', cookies).expect(200);
  });

  it('logout clears both cookies and ends the session', async () => {
    const response = await demo.http().post('/auth/logout').set('Cookie', cookies).set(CSRF).expect(204);
    expect(setCookies(response).sort()).toEqual([
      'nta_access=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
      'nta_refresh=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    ]);
    // A client that kept the old cookies gets nothing from them.
    expect((await demo.http().get('/me').set('Cookie', cookies).expect(401)).body.code).toBe('revoked_token');
    await demo.http().post('/auth/refresh').set('Cookie', cookies).set(CSRF).send({}).expect(401);
  });

  it('API clients without the CSRF header keep getting tokens in the body', async () => {
    const response = await demo.http().post('/auth/login').send({ username: 'grace', password: PASSWORD }).expect(200);
    expect(response.body).toEqual(
      expect.objectContaining({ access_token: expect.any(String), refresh_token: expect.any(String) }),
    );
    expect(setCookies(response)).toEqual([]);
  });
});
