import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UseGuards, type INestApplication } from '@nestjs/common';
import { Field, GraphQLModule, ID, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CurrentUser, TokenAuthGuard, TokenAuthModule, TokenService } from 'nestjs-token-auth';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';

@ObjectType()
class Viewer {
  @Field(() => ID)
  id!: string;
}

@Resolver(() => Viewer)
@UseGuards(TokenAuthGuard)
class SessionResolver {
  constructor(private readonly tokens: TokenService) {}

  @Query(() => Viewer)
  me(@CurrentUser('sub') sub: string): Viewer {
    return { id: sub };
  }

  @Mutation(() => Boolean)
  async logout(@CurrentUser('sid') sessionId: string): Promise<boolean> {
    await this.tokens.revokeSession(sessionId);
    return true;
  }

  /** A mutation that acts as the user, to run after `logout` in the same operation. */
  @Mutation(() => String)
  whoami(@CurrentUser('sub') sub: string): string {
    return sub;
  }
}

/** An app as the README's GraphQL recipe configures it, plus `extra` Apollo options. */
async function graphqlApp(extra: Partial<ApolloDriverConfig> = {}): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TokenAuthModule.forTesting({ isGlobal: true }),
      GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        autoSchemaFile: true,
        context: ({ req }: { req: unknown }) => ({ req }),
        ...extra,
      }),
    ],
    providers: [SessionResolver],
  }).compile();
  const app = moduleRef.createNestApplication();
  await app.init();
  return app;
}

const LOGOUT = { query: 'mutation { logout }' };
const ME = { query: '{ me { id } }' };

/** The answer to `body` (one operation, or an array of them: a batch) sent with `token`. */
async function send(app: INestApplication, token: string, body: object) {
  return request(app.getHttpServer()).post('/graphql').set('Authorization', `Bearer ${token}`).send(body);
}

/** `me`'s id, or the code of the error that refused it. */
async function whoIs(app: INestApplication, token: string): Promise<string> {
  const { body } = await send(app, token, ME);
  return body.data?.me?.id ?? body.errors[0].extensions.originalError.code;
}

describe('GraphQL: a logout and the operations sent with it (Apollo, Express)', () => {
  describe("the README's recipe: batching off, Apollo's default", () => {
    let app: INestApplication;
    let tokens: TokenService;
    beforeAll(async () => {
      app = await graphqlApp();
      tokens = app.get(TokenService);
    });
    afterAll(() => app.close());

    it('refuses a batch, logout included, before running any of it: 400', async () => {
      const { access } = tokens.issuePair('alice');
      const batch = await send(app, access.token, [LOGOUT, ME]);
      expect(batch.status).toBe(400);
      expect(batch.text).toMatch(/batching disabled/i);
      expect(await whoIs(app, access.token)).toBe('alice'); // the logout did not run
    });

    it('refuses every request after a logout sent alone: 401 revoked_token', async () => {
      const { access } = tokens.issuePair('bob');
      expect((await send(app, access.token, LOGOUT)).body).toEqual({ data: { logout: true } });
      expect(await whoIs(app, access.token)).toBe('revoked_token');
    });

    it('runs the fields after a logout in the same operation as the user still (why a logout goes alone)', async () => {
      const { access } = tokens.issuePair('carol');
      const answer = await send(app, access.token, { query: 'mutation { logout whoami }' });
      // Mutation fields run in order, but the token was verified once for the whole request.
      expect(answer.body).toEqual({ data: { logout: true, whoami: 'carol' } });
      expect(await whoIs(app, access.token)).toBe('revoked_token');
    });
  });

  describe('with allowBatchedHttpRequests: true (why the recipe keeps batching off)', () => {
    let app: INestApplication;
    let tokens: TokenService;
    beforeAll(async () => {
      app = await graphqlApp({ allowBatchedHttpRequests: true });
      tokens = app.get(TokenService);
    });
    afterAll(() => app.close());

    it('runs the operations batched with a logout as the logged-out user: Apollo starts them all at once', async () => {
      const { access } = tokens.issuePair('dave');
      const batch = await send(app, access.token, [LOGOUT, ME]);
      expect(batch.body).toEqual([{ data: { logout: true } }, { data: { me: { id: 'dave' } } }]);
      expect(await whoIs(app, access.token)).toBe('revoked_token'); // the next request is refused
    });
  });
});
