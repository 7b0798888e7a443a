import { describe, expect, it } from '@jest/globals';
import { HealthController } from '../../apps/demo/src/health/health.controller.js';
import { RawHttpConnection } from '../support/raw-http.js';
import { ADAPTERS, startDemo } from './support/demo-harness.js';

describe.each(ADAPTERS)('demo shutdown (%s)', (adapter) => {
  it('turns readiness unhealthy as soon as app.close() starts, while a request under way finishes', async () => {
    const demo = await startDemo(adapter, { SHUTDOWN_DRAIN_TIMEOUT: '10' });
    await demo.register('leaving');
    const authorization = await demo.login('leaving');
    await demo.app.listen(0, '127.0.0.1');
    const { port } = demo.app.getHttpServer().address() as { port: number };
    const health = demo.app.get(HealthController);
    // The controller sets the status on the response it is given (passthrough); record it.
    const readiness = () => {
      const answer = { status: 200 as number, body: {} as object };
      answer.body = health.check({ status: (code: number) => (answer.status = code) });
      return answer;
    };
    expect(readiness()).toEqual({ status: 200, body: expect.objectContaining({ status: 'up', instance: 'serving' }) });

    const underWay = await RawHttpConnection.open(port);
    underWay.send('POST', '/auth/logout', { Authorization: authorization }, '{}', 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closing = demo.app.close();
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(readiness()).toEqual({
      status: 503,
      body: expect.objectContaining({ status: 'down', instance: 'shutting_down' }),
    });
    underWay.finish();
    const answer = await underWay.response();
    expect([answer.status, answer.headers.connection]).toEqual([204, 'close']);
    await underWay.closed;
    await closing;
  });
});
