import { Test, TestingModule } from '@nestjs/testing';
import { TokenAuthModule, TokenService } from 'nestjs-token-auth';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';

describe('AppController', () => {
  let appController: AppController;
  let tokens: TokenService;

  beforeEach(async () => {
    const app: TestingModule = await Test.createTestingModule({
      imports: [TokenAuthModule.forTesting()],
      controllers: [AppController],
      providers: [AppService],
    }).compile();

    appController = app.get<AppController>(AppController);
    tokens = app.get(TokenService);
  });

  describe('root', () => {
    it('should return "Hello World!"', () => {
      expect(appController.getHello()).toBe('Hello World!');
    });
  });

  describe('login', () => {
    it('issues a token for the user', () => {
      const { access_token } = appController.login({ username: 'ada' });
      expect(tokens.verify(access_token).sub).toBe('ada');
    });
  });
});
