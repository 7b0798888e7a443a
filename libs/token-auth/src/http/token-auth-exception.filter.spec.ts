import { describe, expect, it, jest } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { TokenAuthError } from '../errors/token-auth.error.js';
import { TokenAuthExceptionFilter } from './token-auth-exception.filter.js';

function hostOf(response: object, type = 'http'): ArgumentsHost {
  return {
    getType: () => type,
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({}), getNext: () => undefined }),
  } as unknown as ArgumentsHost;
}

/** Records what an Express response is told. */
function expressResponse() {
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const response = {
    headersSent: false,
    header: (name: string, value: string) => void (sent.headers[name] = value),
    status: (status: number) => ((sent.status = status), { json: (body: unknown) => void (sent.body = body) }),
  };
  return { response, sent };
}

/** Records what a Fastify reply is told. */
function fastifyReply() {
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = { headers: {} };
  const reply = {
    raw: { headersSent: false, end: jest.fn() },
    header: (name: string, value: string) => void (sent.headers[name] = value),
    code: (status: number) => ((sent.status = status), { send: (body: unknown) => void (sent.body = body) }),
  };
  return { reply, sent };
}

const revoked = new TokenAuthError('revoked_token', 'token has been revoked');

describe('TokenAuthExceptionFilter', () => {
  it('answers an Express response with 401, the code and the challenge the guard sends', () => {
    const { response, sent } = expressResponse();
    new TokenAuthExceptionFilter().catch(revoked, hostOf(response));
    expect(sent).toEqual({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', code: 'revoked_token', message: 'token has been revoked' },
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="token has been revoked"' },
    });
  });

  it('answers a Fastify reply, with a bare Bearer challenge when no token was sent', () => {
    const { reply, sent } = fastifyReply();
    new TokenAuthExceptionFilter().catch(new TokenAuthError('token_missing', 'no refresh token'), hostOf(reply));
    expect(sent.status).toBe(401);
    expect(sent.body).toMatchObject({ code: 'token_missing', message: 'no refresh token' });
    expect(sent.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });

  it('answers unknown_key exactly as invalid_signature: callers are not told which keys the ring holds', () => {
    const answers = ['unknown_key', 'invalid_signature'].map((code) => {
      const { response, sent } = expressResponse();
      new TokenAuthExceptionFilter().catch(
        new TokenAuthError(code as 'unknown_key' | 'invalid_signature', 'invalid token signature'),
        hostOf(response),
      );
      return sent;
    });
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.body).toMatchObject({ code: 'invalid_signature' });
  });

  it('answers 503 without a challenge when the server is at fault', () => {
    const { response, sent } = expressResponse();
    new TokenAuthExceptionFilter().catch(new TokenAuthError('key_ring_stale', 'stale'), hostOf(response));
    expect(sent.status).toBe(503);
    expect(sent.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', code: 'key_ring_stale' });
    expect(sent.headers).toEqual({});
  });

  it("replies through Nest's HTTP adapter when it is injected", () => {
    const reply = jest.fn();
    const adapter = { isHeadersSent: () => false, end: jest.fn(), reply };
    const { response, sent } = expressResponse();
    const filter = new TokenAuthExceptionFilter({ httpAdapter: adapter } as unknown as HttpAdapterHost);
    filter.catch(revoked, hostOf(response));
    expect(reply).toHaveBeenCalledWith(response, expect.objectContaining({ code: 'revoked_token' }), 401);
    expect(sent.headers['WWW-Authenticate']).toContain('invalid_token');
    expect(sent.status).toBeUndefined();
  });

  it('only ends a response whose headers were already sent', () => {
    const { reply, sent } = fastifyReply();
    reply.raw.headersSent = true;
    new TokenAuthExceptionFilter().catch(revoked, hostOf(reply));
    expect(reply.raw.end).toHaveBeenCalled();
    expect(sent).toEqual({ headers: {} });
  });

  it('returns the HTTP exception outside HTTP, so GraphQL reports it as the field error', () => {
    const result = new TokenAuthExceptionFilter().catch(revoked, hostOf({}, 'graphql'));
    expect(result?.getStatus()).toBe(401);
    expect(result?.getResponse()).toMatchObject({ code: 'revoked_token' });
  });
});
