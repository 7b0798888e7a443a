import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { App } from 'supertest/types';
import { AppModule } from './../src/app.module';
import { UsersService } from './../src/users.service';

describe('AppModule (e2e) with the Redis revocation store', () => {
  let app: INestApplication<App>;

  beforeAll(() => {
    // scripts/test-consumers.mjs in the repository starts a redis-server on a free port for this.
    if (!process.env.REDIS_URL) throw new Error('set REDIS_URL to a running redis-server (redis://127.0.0.1:6379)');
  });

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  afterEach(() => app.close());

  it('/me (GET) without a token is 401 with a stable code, and the challenge names the Token scheme', () => {
    return request(app.getHttpServer())
      .get('/me')
      .expect(401)
      .expect('WWW-Authenticate', 'Token')
      .expect((res) => expect(res.body.code).toBe('token_missing'));
  });

  it('logs in (200, @Public), reads /me as Token and Bearer (the app user), logs out: the token is 401', async () => {
    const login = await request(app.getHttpServer()).post('/auth/login').send({ username: 'ada' }).expect(200);
    const me = { id: 'u-ada', username: 'ada', bio: "ada's bio", subject: 'u-ada' };
    for (const scheme of ['Token', 'token', 'Bearer']) {
      const auth = `${scheme} ${login.body.access_token}`;
      await request(app.getHttpServer()).get('/me').set('Authorization', auth).expect(200, me);
    }
    const auth = `Token ${login.body.access_token}`;
    await request(app.getHttpServer()).post('/auth/logout').set('Authorization', auth).expect(204);
    const after = await request(app.getHttpServer()).get('/me').set('Authorization', auth).expect(401);
    expect(after.body.code).toBe('revoked_token');
  });

  it('refuses another scheme, two Authorization headers, and a token whose user is gone', async () => {
    const login = await request(app.getHttpServer()).post('/auth/login').send({ username: 'bob' }).expect(200);
    const token = login.body.access_token as string;
    const basic = await request(app.getHttpServer()).get('/me').set('Authorization', `Basic ${token}`).expect(401);
    expect(basic.body.code).toBe('token_malformed');
    const twice = await request(app.getHttpServer())
      .get('/me')
      // Two header lines (superagent sends an array so; its type allows arrays only for Cookie).
      .set('Authorization', [`Token ${token}`, `Token ${token}`] as unknown as string)
      .expect(401);
    expect(twice.body.code).toBe('token_malformed');
    app.get(UsersService).remove('u-bob');
    const gone = await request(app.getHttpServer()).get('/me').set('Authorization', `Token ${token}`).expect(401);
    expect(gone.body.code).toBe('unknown_user');
  });

  it('/health (GET) reports the key ring and the connected Redis store through terminus', async () => {
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.token_auth).toMatchObject({ status: 'up', revocation: { store: 'redis', connected: true } });
  });
});
