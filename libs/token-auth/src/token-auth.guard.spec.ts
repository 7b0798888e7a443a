import { describe, expect, it, jest } from '@jest/globals';
import { UnauthorizedException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test } from '@nestjs/testing';
import { OptionalAuth } from './decorators/optional-auth.decorator.js';
import { Public } from './decorators/public.decorator.js';
import { TokenAuthGuard } from './token-auth.guard.js';
import { TokenAuthModule } from './token-auth.module.js';
import { TokenService } from './token.service.js';
import { SOCKET_TOKEN, WS_CLOSE_UNAUTHORIZED } from './websocket/ws-token-auth.js';

class NotesController {
  list() {}

  @OptionalAuth()
  feed() {}
}

@Public()
class PublicNotesController extends NotesController {}

async function guard(): Promise<TokenAuthGuard> {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting()],
  }).compile();
  return moduleRef.get(TokenAuthGuard);
}

/** A request without a token to `handler` of `controller`: allowed, or the guard's 401. */
function anonymous(
  tokenGuard: TokenAuthGuard,
  controller: object,
  handler: (...args: never[]) => unknown,
): boolean | unknown {
  const context = new ExecutionContextHost(
    [{ rawHeaders: [], headers: {} }, { header: () => undefined }],
    controller as never,
    handler as never,
  );
  context.setType('http');
  try {
    return tokenGuard.canActivate(context);
  } catch (error) {
    return error;
  }
}

describe('TokenAuthGuard route metadata', () => {
  it('reads @Public() and @OptionalAuth() per controller class, even for a handler two classes share', async () => {
    const tokenGuard = await guard();
    const { list, feed } = NotesController.prototype;
    for (let call = 0; call < 2; call++) {
      expect(anonymous(tokenGuard, PublicNotesController, list)).toBe(true);
      expect(anonymous(tokenGuard, NotesController, list)).toBeInstanceOf(UnauthorizedException);
      expect(anonymous(tokenGuard, NotesController, feed)).toBe(true);
    }
  });
});

describe('TokenAuthGuard on a WebSocket message', () => {
  it("closes the socket with the public code: a token of a key the ring lacks gets a forged signature's", async () => {
    const tokenGuard = await guard();
    const stranger = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting()] }).compile();
    const close = jest.fn<(code: number, reason: string) => void>();
    const socket = { [SOCKET_TOKEN]: stranger.get(TokenService).issue('u').token, close };
    const { list } = NotesController.prototype;
    const context = new ExecutionContextHost([socket, {}], NotesController as never, list as never);
    context.setType('ws');
    expect(() => tokenGuard.canActivate(context)).toThrow(UnauthorizedException);
    expect(close).toHaveBeenCalledWith(WS_CLOSE_UNAUTHORIZED, 'invalid_signature');
  });
});
