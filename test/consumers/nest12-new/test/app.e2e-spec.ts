import { Test, TestingModule } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { App } from 'supertest/types.js';
import { AppModule } from './../src/app.module.js';

describe('AppController (e2e)', () => {
  let app: INestApplication<App>;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  it('/ (GET)', () => {
    return request(app.getHttpServer())
      .get('/')
      .expect(200)
      .expect('Hello World!');
  });

  it('/me (GET) is 401 without a token, 200 with one', async () => {
    await request(app.getHttpServer())
      .get('/me')
      .expect(401)
      .expect('WWW-Authenticate', 'Bearer');
    const login = await request(app.getHttpServer())
      .post('/login')
      .send({ username: 'ada' })
      .expect(200);
    await request(app.getHttpServer())
      .get('/me')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200, { sub: 'ada' });
  });

  it('runs on the Node version it was asked to', () => {
    const expected = process.env.CONSUMER_NODE_MAJOR;
    if (expected !== undefined)
      expect(process.versions.node.split('.')[0]).toBe(expected);
  });

  afterEach(async () => {
    await app.close();
  });
});
