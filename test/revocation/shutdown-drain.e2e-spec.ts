import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEMO_ADAPTERS } from '../../apps/demo/src/config/demo-config.js';
import { RawHttpConnection } from '../support/raw-http.js';
import {
  DemoCluster,
  eventually,
  login,
  meOrError,
  PASSWORD,
  post,
  StatusCounts,
  type Instance,
  type Pair,
} from './support/demo-instances.js';

const DRAIN_S = 4;
const IN_FLIGHT = 3;

/**
 * SIGTERM to one of three instances under load. The order that loses nothing: readiness off, listener closed,
 * requests under way finished (their connections closed after them), revocations written, then Redis closed.
 */
describe.each(DEMO_ADAPTERS)('SIGTERM to a %s instance under load', (adapter) => {
  let cluster: DemoCluster;
  let a: Instance, b: Instance, c: Instance;
  let kept: Pair;
  const sessions: Pair[] = [];

  beforeAll(async () => {
    cluster = await DemoCluster.start({ DEMO_ADAPTER: adapter, SHUTDOWN_DRAIN_TIMEOUT: String(DRAIN_S) });
    a = await cluster.instance();
    [b, c] = await Promise.all([cluster.instance(), cluster.instance()]);
    expect((await post(b, '/auth/register', { username: 'drain', password: PASSWORD })).status).toBe(201);
    kept = await login(b, 'drain');
    for (let i = 0; i < 12; i++) sessions.push(await login(b, 'drain'));
  }, 60_000);

  // The load loops run until this is false; a failed step leaves it to afterAll, so nothing outlives the suite.
  let loading = false;
  afterAll(async () => {
    loading = false;
    await cluster?.stop();
  });

  it('finishes the requests under way, writes their logouts to Redis, cuts a stuck one at the bound and exits 0', async () => {
    // Load: GET /me on kept-alive connections, and logouts, until the instance is gone.
    const counts = new StatusCounts();
    const answered: { pair: Pair; status: number }[] = [];
    loading = true;
    const readers = Array.from({ length: 4 }, async () => {
      while (loading) counts.add(await meOrError(a, kept));
    });
    const toLogOut = sessions.slice(IN_FLIGHT);
    const loggingOut = (async () => {
      while (loading && toLogOut.length > 0) {
        const pair = toLogOut.shift()!;
        try {
          answered.push({ pair, status: (await post(a, '/auth/logout', {}, pair.access_token)).status });
        } catch {
          counts.add('logout not answered');
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // Logouts in flight at SIGTERM: kept-alive connections that served one request, then half a request body.
    const inFlight = await Promise.all(sessions.slice(0, IN_FLIGHT).map(() => RawHttpConnection.open(a.port)));
    for (const [i, connection] of inFlight.entries()) {
      connection.send('GET', '/me', { Authorization: `Bearer ${sessions[i]!.access_token}` });
      const first = await connection.response();
      expect([first.status, first.headers.connection]).toEqual([200, 'keep-alive']);
      connection.send('POST', '/auth/logout', { Authorization: `Bearer ${sessions[i]!.access_token}` }, '{}', 1);
    }
    // A probe on a kept-alive connection with a request under way, and a client that never finishes its request.
    const probe = await RawHttpConnection.open(a.port);
    probe.send('POST', '/health', {}, '{}', 1);
    const stuck = await RawHttpConnection.open(a.port);
    stuck.send('POST', '/auth/logout', { Authorization: `Bearer ${kept.access_token}` }, '{}', 1);

    await new Promise((resolve) => setTimeout(resolve, 300));
    const terminated = Date.now();
    a.demo.process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));

    // New connections are refused at once.
    await expect(RawHttpConnection.open(a.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // Requests under way finish, on connections closed after them; their logouts are persisted.
    for (const connection of inFlight) connection.finish();
    for (const connection of inFlight) {
      const response = await connection.response();
      expect([response.status, response.headers.connection]).toEqual([204, 'close']);
      await connection.closed;
    }
    probe.finish();
    const health = await probe.response();
    expect(health.status).toBe(404); // POST /health: no such route, but answered, and closed after
    expect(health.headers.connection).toBe('close');

    const exit = await a.demo.exited;
    const exitedAfter = Date.now() - terminated;
    loading = false;
    await Promise.all([...readers, loggingOut]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stuck.isClosed).toBe(true);
    await expect(stuck.response()).rejects.toThrow('connection closed before a response');
    expect(a.demo.stdout).toMatch(/drain timed out after 4 s; cutting 1 requests still under way/);
    expect(a.demo.stdout + a.demo.stderr).not.toMatch(/never written/);

    // Every logout A answered 2xx is enforced by the others.
    const confirmed = [...sessions.slice(0, IN_FLIGHT).map((pair) => ({ pair, status: 204 })), ...answered];
    expect(answered.every(({ status }) => status === 204)).toBe(true);
    let lost = 0;
    for (const { pair } of confirmed) {
      const reached = async () =>
        (await meOrError(b, pair)) === '401 revoked_token' && (await meOrError(c, pair)) === '401 revoked_token';
      await eventually(reached, 'the logout reaches the others', 5_000).catch(() => lost++);
    }
    expect(lost).toBe(0);
    expect(await meOrError(b, kept)).toBe('200');
    expect(Object.keys(counts.counts).filter((outcome) => /^5/.test(outcome))).toEqual([]);

    process.stdout.write(
      `${adapter} drain: ${counts.sent} GET /me ${JSON.stringify(counts.counts)}; ${confirmed.length} logouts answered 204 ` +
        `(${IN_FLIGHT} in flight at SIGTERM), lost ${lost}; exit ${exit.code} ${exitedAfter} ms after SIGTERM (drain bound ${DRAIN_S} s)\n`,
    );
  }, 60_000);
});
