import { afterEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';
import { type TokenAuthCookieOptions } from './cookie-options.js';
import { TokenAuthModule } from '../token-auth.module.js';

const previousEnv = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = previousEnv;
});

async function boot(cookie: TokenAuthCookieOptions): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting({ cookie })],
  }).compile();
  await moduleRef.close();
}

describe('cookie options', () => {
  it.each([
    [{ sameSite: 'none' }, /cookie\.sameSite must be "strict" or "lax"/],
    [{ csrfHeader: 'Content-Type' }, /cookie\.csrfHeader must be a custom header name/],
    [{ csrfHeader: 'bad header' }, /cookie\.csrfHeader must be a custom header name/],
  ])('refuses %j at startup', async (cookie, message) => {
    await expect(boot(cookie as TokenAuthCookieOptions)).rejects.toThrow(message);
    await expect(boot(cookie as TokenAuthCookieOptions)).rejects.toBeInstanceOf(TokenAuthConfigError);
  });

  it('refuses allowInsecureHttp in production, and defaults it to off there', async () => {
    process.env.NODE_ENV = 'production';
    await expect(boot({ allowInsecureHttp: true })).rejects.toThrow(
      /allowInsecureHttp is refused when NODE_ENV=production/,
    );
    await expect(boot({})).resolves.toBeUndefined();
  });
});
