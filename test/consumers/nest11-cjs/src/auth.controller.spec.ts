import { Test, TestingModule } from '@nestjs/testing';
import { generateKey, StaticKeyProvider, TokenAuthError, TokenAuthModule, TokenService } from 'nestjs-token-auth';
import { AuthController } from './auth.controller';

describe('AuthController', () => {
  let moduleRef: TestingModule;
  let controller: AuthController;
  let tokens: TokenService;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider([generateKey('active')]) })],
      controllers: [AuthController],
    }).compile();
    controller = moduleRef.get(AuthController);
    tokens = moduleRef.get(TokenService);
  });

  afterEach(() => moduleRef.close());

  it('login issues an access token for the user that TokenService verifies', () => {
    const answer = controller.login({ username: 'ada' });
    expect(tokens.verify(answer.access_token)).toMatchObject({
      sub: 'ada',
      purpose: 'access',
      claims: { role: 'reader' },
    });
    expect(answer.expires_in).toBe(900);
  });

  it('logout revokes the session of the token', async () => {
    const { access_token } = controller.login({ username: 'ada' });
    await controller.logout(tokens.verify(access_token).sid);
    expect(() => tokens.verify(access_token)).toThrow(TokenAuthError);
  });

  it('me answers with the fields of the verified user', () => {
    const user = tokens.verify(controller.login({ username: 'grace' }).access_token);
    expect(controller.me(user)).toEqual({ id: 'grace', role: 'reader' });
  });
});
