import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADAPTERS, startDemo, type DemoHarness } from '../demo/support/demo-harness.js';

type Operation = { security?: Record<string, string[]>[]; operationId?: string };
type Paths = Record<string, Record<string, Operation>>;

const BOTH_SCHEMES = [{ bearer: [] }, { cookie: [] }];

describe.each(ADAPTERS)('OpenAPI document of the demo on %s', (adapter) => {
  let demo: DemoHarness;
  let document: { components: { securitySchemes: Record<string, unknown> }; paths: Paths; security?: unknown };

  beforeAll(async () => {
    demo = await startDemo(adapter);
    document = (await demo.http().get('/docs-json').expect(200)).body;
  });
  afterAll(() => demo.close());

  it('declares bearer and cookie auth schemes', () => {
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      cookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: '__Host-nta_access' }),
    });
    expect(document.security).toBeUndefined(); // no global requirement: public routes stay open
  });

  it('requires either scheme on guarded routes', () => {
    expect(document.paths['/me']!.get!.security).toEqual(BOTH_SCHEMES);
    expect(document.paths['/notes']!.get!.security).toEqual(BOTH_SCHEMES);
    expect(document.paths['/notes']!.post!.security).toEqual(BOTH_SCHEMES);
  });

  it('leaves @Public() routes open', () => {
    for (const [path, method] of [
      ['/auth/login', 'post'],
      ['/auth/register', 'post'],
      ['/health', 'get'],
    ] as const) {
      expect(document.paths[path]?.[method]).toBeDefined();
      expect(document.paths[path]![method]!.security).toBeUndefined();
    }
  });

  it('marks every operation one way or the other', () => {
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThan(5);
    for (const operation of operations) {
      if (operation.security !== undefined) expect(operation.security.slice(0, 2)).toEqual(BOTH_SCHEMES);
    }
  });

  it('serves the UI at /docs on Express (on Fastify it would need @fastify/static)', async () => {
    if (adapter === 'fastify') {
      await demo.http().get('/docs').expect(404);
      return;
    }
    const response = await demo.http().get('/docs').redirects(1).expect(200);
    expect(response.text).toContain('swagger-ui');
  });
});
