import { describe, expect, it } from '@jest/globals';
import { ServiceUnavailableException } from '@nestjs/common';
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
    expect(health.check().status).toBe('ok');

    const underWay = await RawHttpConnection.open(port);
    underWay.send('POST', '/auth/logout', { Authorization: authorization }, '{}', 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closing = demo.app.close();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const refusal = (() => {
      try {
        return health.check();
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ServiceUnavailableException);
    expect((refusal as ServiceUnavailableException).getResponse()).toEqual({ status: 'shutting_down' });
    underWay.finish();
    const answer = await underWay.response();
    expect([answer.status, answer.headers.connection]).toEqual([204, 'close']);
    await underWay.closed;
    await closing;
  });
});
