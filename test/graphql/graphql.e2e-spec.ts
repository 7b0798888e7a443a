import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { UseGuards, type INestApplication } from '@nestjs/common';
import { Field, GraphQLModule, ID, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  CurrentUser,
  OptionalAuth,
  TokenAuthGuard,
  TokenAuthModule,
  TokenService,
  type AuthenticatedUser,
} from 'nestjs-token-auth';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';

@ObjectType()
class Note {
  @Field(() => ID)
  id!: string;
  @Field()
  text!: string;
}

@ObjectType()
class Viewer {
  @Field(() => ID)
  id!: string;
}

@Resolver(() => Viewer)
class ViewerResolver {
  @UseGuards(TokenAuthGuard)
  @Query(() => Viewer)
  me(@CurrentUser() user: AuthenticatedUser): Viewer {
    return { id: user.sub };
  }

  @OptionalAuth()
  @UseGuards(TokenAuthGuard)
  @Query(() => String)
  greeting(@CurrentUser('sub') sub: string | undefined): string {
    return sub === undefined ? 'hello, guest' : `hello, ${sub}`;
  }

  // Field-level guards: each would verify the token again without the per-request cache.
  @UseGuards(TokenAuthGuard)
  @ResolveField(() => [Note])
  notes(@Parent() viewer: Viewer, @CurrentUser('sub') sub: string): Note[] {
    return [{ id: '1', text: `${sub}'s note for ${viewer.id}` }];
  }

  @UseGuards(TokenAuthGuard)
  @ResolveField(() => String)
  role(@CurrentUser() user: AuthenticatedUser): string {
    return String(user.claims.role);
  }
}

describe('GraphQL (Apollo, Express)', () => {
  let app: INestApplication;
  let tokens: TokenService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TokenAuthModule.forTesting({ isGlobal: true }),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          fieldResolverEnhancers: ['guards'],
          context: ({ req }: { req: unknown }) => ({ req }),
        }),
      ],
      providers: [ViewerResolver],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
    tokens = app.get(TokenService);
  });
  afterAll(() => app.close());

  const query = (body: string, token?: string) => {
    const call = request(app.getHttpServer()).post('/graphql').send({ query: body });
    return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
  };

  it('runs guarded queries and field resolvers with @CurrentUser, verifying the token once per request', async () => {
    const { token } = tokens.issue('alice', { claims: { role: 'admin' } });
    const verify = jest.spyOn(tokens, 'verify');
    try {
      const response = await query('{ me { id notes { id text } role } }', token).expect(200);
      expect(response.body).toEqual({
        data: { me: { id: 'alice', notes: [{ id: '1', text: "alice's note for alice" }], role: 'admin' } },
      });
      expect(verify).toHaveBeenCalledTimes(1);

      await query('{ me { id role } greeting }', token).expect(200);
      expect(verify).toHaveBeenCalledTimes(2); // a new request verifies again
    } finally {
      verify.mockRestore();
    }
  });

  it('answers a missing or bad token with an UNAUTHORIZED error carrying the stable code, not a crash', async () => {
    const missing = await query('{ me { id } }');
    expect(missing.body.data).toBeNull();
    expect(missing.body.errors[0].extensions.originalError).toMatchObject({ statusCode: 401, code: 'token_missing' });

    const bad = await query('{ me { id } }', 'nta1.AAAA');
    expect(bad.body.errors[0].extensions.originalError).toMatchObject({ statusCode: 401, code: 'token_malformed' });
  });

  it('answers a token of a key the ring lacks with the very error a forged signature gets', async () => {
    const stranger = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting()] }).compile();
    const foreign = stranger.get(TokenService).issue('mallory').token;
    const own = tokens.issue('mallory').token;
    const forged = `${own.slice(0, -2)}${own.at(-2) === 'A' ? 'B' : 'A'}${own.at(-1)}`;
    const [unknownKey, badSignature] = [await query('{ me { id } }', foreign), await query('{ me { id } }', forged)];
    expect(unknownKey.body).toEqual(badSignature.body);
    expect(unknownKey.body.errors[0].extensions.originalError).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      code: 'invalid_signature',
      message: 'invalid token signature',
    });
  });

  it('serves @OptionalAuth resolvers to guests and to signed-in users', async () => {
    expect((await query('{ greeting }').expect(200)).body).toEqual({ data: { greeting: 'hello, guest' } });
    const { token } = tokens.issue('bob');
    expect((await query('{ greeting }', token).expect(200)).body).toEqual({ data: { greeting: 'hello, bob' } });
  });
});
