import { describe, expect, it } from '@jest/globals';
import { UnauthorizedException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test } from '@nestjs/testing';
import { OptionalAuth } from './decorators/optional-auth.decorator.js';
import { Public } from './decorators/public.decorator.js';
import { TokenAuthGuard } from './token-auth.guard.js';
import { TokenAuthModule } from './token-auth.module.js';

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
