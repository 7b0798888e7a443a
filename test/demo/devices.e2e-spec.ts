import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { ADAPTERS, PASSWORD, startDemo, type DemoHarness } from './support/demo-harness.js';

interface Pair {
  access_token: string;
  refresh_token: string;
}

interface SessionView {
  id: string;
  current: boolean;
  created_at: string;
  last_active_at: string;
  expires_at: string;
  user_agent?: string;
  label?: string;
  ip?: string;
}

const LAPTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One request written byte for byte on a socket left open for the answer (a POST whose handler awaits a hash must
 * not see its connection half-closed), read until the server closes it (`Connection: close`).
 */
function rawPost(port: number, bytes: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error('the connection closed without an answer'));
      resolve({ status: Number(text.split(' ')[1]), body: text.slice(end + 4) });
    });
    socket.write(bytes);
  });
}

describe.each(ADAPTERS)('demo: your devices and account deletion (%s)', (adapter) => {
  let demo: DemoHarness;

  beforeAll(async () => {
    demo = await startDemo(adapter, { STEP_UP_MAX_AGE: '2' });
  });
  afterAll(() => demo?.close());

  async function login(username: string, userAgent = LAPTOP): Promise<Pair & { sid: string }> {
    const response = await demo
      .http()
      .post('/auth/login')
      .set('User-Agent', userAgent)
      .send({ username, password: PASSWORD })
      .expect(200);
    const pair = response.body as Pair;
    return { ...pair, sid: await currentId(pair) };
  }

  async function currentId(pair: Pair): Promise<string> {
    const sessions = await list(pair);
    return sessions.find((s) => s.current)!.id;
  }

  async function list(pair: Pair): Promise<SessionView[]> {
    const response = await demo.http().get('/auth/sessions').set('Authorization', `Bearer ${pair.access_token}`);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    return response.body as SessionView[];
  }

  const me = async (pair: Pair) => {
    const response = await demo.http().get('/me').set('Authorization', `Bearer ${pair.access_token}`);
    return response.status === 200 ? 200 : `${response.status} ${response.body.code}`;
  };
  const refresh = async (pair: Pair) => {
    const response = await demo.http().post('/auth/refresh').send({ refresh_token: pair.refresh_token });
    return response.status === 200 ? 200 : `${response.status} ${response.body.code}`;
  };

  it("lists the caller's sessions with their user agent and truncated address, the caller's first", async () => {
    await demo.register('dev-ada');
    const laptop = await login('dev-ada', LAPTOP);
    const phone = await login('dev-ada', PHONE);
    const sessions = await list(phone);
    expect(sessions.map((s) => [s.current, s.user_agent])).toEqual([
      [true, PHONE],
      [false, LAPTOP],
    ]);
    expect(sessions[0]!.id).toBe(phone.sid);
    expect(sessions[1]!.id).toBe(laptop.sid);
    // Loopback, truncated to its /24 (the library's default), or the IPv6 form of it.
    expect(sessions[0]!.ip).toMatch(/^(127\.0\.0\.0|0:0:0::)$/);
    for (const session of sessions) {
      expect(Date.parse(session.created_at)).toBeLessThanOrEqual(Date.parse(session.last_active_at));
      expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now());
    }
    // A refresh moves the laptop's last activity, and it stays one session.
    await sleep(5);
    const refreshed = (await demo.http().post('/auth/refresh').send({ refresh_token: laptop.refresh_token }))
      .body as Pair;
    const after = await list(refreshed);
    expect(after).toHaveLength(2);
    expect(after[0]!.id).toBe(laptop.sid);
    expect(Date.parse(after[0]!.last_active_at)).toBeGreaterThan(Date.parse(after[0]!.created_at));
  });

  it('signs one device out: its access and refresh tokens are refused, the others work', async () => {
    await demo.register('dev-ben');
    const laptop = await login('dev-ben');
    const phone = await login('dev-ben', PHONE);
    const response = await demo
      .http()
      .delete(`/auth/sessions/${phone.sid}`)
      .set('Authorization', `Bearer ${laptop.access_token}`);
    expect(response.status).toBe(204);
    expect(await me(phone)).toBe('401 revoked_token');
    expect(await refresh(phone)).toBe('401 revoked_token');
    expect(await me(laptop)).toBe(200);
    expect((await list(laptop)).map((s) => s.id)).toEqual([laptop.sid]);
  });

  it('a logout leaves the list at once', async () => {
    await demo.register('dev-lou');
    const laptop = await login('dev-lou');
    const phone = await login('dev-lou', PHONE);
    await demo.http().post('/auth/logout').set('Authorization', `Bearer ${phone.access_token}`).expect(204);
    expect((await list(laptop)).map((s) => s.id)).toEqual([laptop.sid]);
  });

  it("another user's session, an unknown, a malformed or an already signed-out id: the same 404", async () => {
    await demo.register('dev-cat');
    await demo.register('dev-dan');
    const cat = await login('dev-cat');
    const catPhone = await login('dev-cat', PHONE);
    const dan = await login('dev-dan');
    await demo.http().delete(`/auth/sessions/${catPhone.sid}`).set('Authorization', `Bearer ${cat.access_token}`);
    const answers = [];
    for (const id of [dan.sid, 'A'.repeat(22), 'not-a-session', '%00', catPhone.sid]) {
      const response = await demo
        .http()
        .delete(`/auth/sessions/${encodeURIComponent(id)}`)
        .set('Authorization', `Bearer ${cat.access_token}`);
      answers.push([response.status, response.body]);
    }
    for (const answer of answers) {
      expect(answer).toEqual([404, { statusCode: 404, message: 'no such session', error: 'Not Found' }]);
    }
    expect(await me(dan)).toBe(200);
    expect(await refresh(dan)).toBe(200);
  });

  it('signs out every other session of the caller, and no one else’s', async () => {
    await demo.register('dev-eve');
    await demo.register('dev-fay');
    const current = await login('dev-eve');
    const others = [await login('dev-eve', PHONE), await login('dev-eve', 'Tablet/1.0')];
    const fay = await login('dev-fay');
    const response = await demo.http().delete('/auth/sessions').set('Authorization', `Bearer ${current.access_token}`);
    expect(response.status).toBe(204);
    for (const pair of others) {
      expect(await me(pair)).toBe('401 revoked_token');
      expect(await refresh(pair)).toBe('401 revoked_token');
    }
    expect(await me(current)).toBe(200);
    expect(await me(fay)).toBe(200);
    expect((await list(current)).map((s) => s.id)).toEqual([current.sid]);
  });

  it('stores a hostile user agent as plain text: invalid UTF-8 replaced, controls and bidi overrides dropped', async () => {
    await demo.register('dev-gus');
    await demo.app.listen(0, '127.0.0.1');
    const port = Number(new URL(await demo.app.getUrl()).port);
    const body = JSON.stringify({ username: 'dev-gus', password: PASSWORD });
    const loginWith = (userAgent: Buffer) =>
      rawPost(
        port,
        Buffer.concat([
          Buffer.from(
            'POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
              `Content-Length: ${body.length}\r\nConnection: close\r\nUser-Agent: `,
          ),
          userAgent,
          Buffer.from(`\r\n\r\n${body}`),
        ]),
      );
    // A C0 control in a header: Node's HTTP parser refuses the request (400, or the connection closed), before the app.
    const refused = await loginWith(Buffer.from('Evil\x01Agent')).then(
      (response) => response.status,
      () => 'closed',
    );
    expect([400, 'closed']).toContain(refused);
    // Bytes HTTP lets through: invalid UTF-8 (a lone 85, ff fe), an HTML tag, a right-to-left override (e2 80 ae).
    const answer = await loginWith(
      Buffer.concat([
        Buffer.from('Evil'),
        Buffer.from([0x85, 0xff, 0xfe]),
        Buffer.from(' <img src=x onerror=alert(1)> \u202eexe.txt', 'utf8'),
      ]),
    );
    expect(answer.status).toBe(200);
    const [session] = await list(JSON.parse(answer.body) as Pair);
    expect(session!.user_agent).toBe('Evil\ufffd\ufffd\ufffd <img src=x onerror=alert(1)> exe.txt');
  });

  it('DELETE /account needs a login within STEP_UP_MAX_AGE: an older one is 401 with the RFC 9470 challenge', async () => {
    await demo.register('dev-hal');
    const old = await login('dev-hal');
    await demo.http().post('/notes').set('Authorization', `Bearer ${old.access_token}`).send({ text: 'keep me?' });
    await sleep(2100);
    // A refresh gives a new token, not a new login.
    const refreshed = (await demo.http().post('/auth/refresh').send({ refresh_token: old.refresh_token })).body as Pair;
    const refused = await demo.http().delete('/account').set('Authorization', `Bearer ${refreshed.access_token}`);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'insufficient_user_authentication', max_age: 2 });
    expect(refused.headers['www-authenticate']).toMatch(
      /^Bearer error="insufficient_user_authentication", error_description="[^"]+", max_age=2$/,
    );
    expect(await me(refreshed)).toBe(200);

    // Signed in again: the account, its notes and every session go.
    const fresh = await login('dev-hal');
    const deleted = await demo.http().delete('/account').set('Authorization', `Bearer ${fresh.access_token}`);
    expect(deleted.status).toBe(204);
    for (const pair of [fresh, refreshed]) expect(await me(pair)).toBe('401 revoked_token');
    expect(await refresh(refreshed)).toBe('401 revoked_token');
    await demo.http().post('/auth/login').send({ username: 'dev-hal', password: PASSWORD }).expect(401);
    // The name is free again, and the new account starts with no notes.
    await demo.register('dev-hal');
    const again = await login('dev-hal');
    const notes = await demo.http().get('/notes').set('Authorization', `Bearer ${again.access_token}`);
    expect(notes.body).toEqual([]);
  });
});
