import { test } from 'node:test';
import { strict as assert } from 'node:assert';
import { Test } from '@nestjs/testing';
import { ManualClock, TokenAuthModule, TokenService } from 'nestjs-token-auth';
import { AppController } from './app.controller';

test('login issues a token that expires on the testing module clock', async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting({ accessTokenTtl: 60, clockTolerance: 0 })],
    controllers: [AppController],
  }).compile();
  const tokens = moduleRef.get(TokenService);
  const { access_token } = moduleRef.get(AppController).login({ username: 'ada' });
  assert.equal(tokens.verify(access_token).sub, 'ada');
  moduleRef.get(ManualClock).advance(61_000);
  assert.throws(() => tokens.verify(access_token), { code: 'token_expired' });
  await moduleRef.close();
});
