import { Test, TestingModule } from '@nestjs/testing';
import { ManualClock, TokenAuthError, TokenAuthModule, TokenService } from 'nestjs-token-auth';
import { authOptions, TOKEN_LIFETIME } from './auth-options';
import { AuthController } from './auth.controller';
import { UsersService } from './users.service';

describe('AuthController', () => {
  let moduleRef: TestingModule;
  let controller: AuthController;
  let tokens: TokenService;
  let clock: ManualClock;

  beforeEach(async () => {
    const users = new UsersService();
    // The testing module: a fresh key, the memory store and a ManualClock, with the app's own options.
    moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting(authOptions(users))],
      controllers: [AuthController],
      providers: [{ provide: UsersService, useValue: users }],
    }).compile();
    controller = moduleRef.get(AuthController);
    tokens = moduleRef.get(TokenService);
    clock = moduleRef.get(ManualClock);
  });

  afterEach(() => moduleRef.close());

  it('login issues a token that lives 60 days, as the RealWorld API expects, and no longer', () => {
    const answer = controller.login({ username: 'ada' });
    expect(answer).toMatchObject({ token_type: 'Token', expires_in: TOKEN_LIFETIME });
    clock.advance((TOKEN_LIFETIME - 1) * 1000);
    expect(tokens.verify(answer.access_token)).toMatchObject({ sub: 'u-ada', claims: { role: 'reader' } });
    clock.advance(60_000); // past the lifetime and the 30 s clock tolerance
    expect(() => tokens.verify(answer.access_token)).toThrow(expect.objectContaining({ code: 'token_expired' }));
  });

  it('logout revokes the session of the token', async () => {
    const { access_token } = controller.login({ username: 'ada' });
    await controller.logout(tokens.verify(access_token).sid);
    expect(() => tokens.verify(access_token)).toThrow(TokenAuthError);
  });

  it('me answers with the app user and the token subject', () => {
    const user = { id: 'u-grace', username: 'grace', bio: 'b' };
    expect(controller.me(user, 'u-grace')).toEqual({ ...user, subject: 'u-grace' });
  });
});
