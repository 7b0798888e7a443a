import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UseGuards, type INestApplication } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Field, GraphQLModule, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CurrentUser, TokenAuthGuard, TokenAuthModule, TokenService, type AuthenticatedUser } from 'nestjs-token-auth';
import { attenuate, type CaveatInput } from 'nestjs-token-auth/client';

@ObjectType()
class Viewer {
  @Field()
  id!: string;
}

@Resolver(() => Viewer)
class ViewerResolver {
  @UseGuards(TokenAuthGuard)
  @Query(() => Viewer)
  me(@CurrentUser() user: AuthenticatedUser): Viewer {
    return { id: user.sub };
  }

  @UseGuards(TokenAuthGuard)
  @ResolveField(() => String)
  path(@CurrentUser() user: AuthenticatedUser): string {
    return user.caveats?.pathPrefix ?? '';
  }
}

// GraphQL operations are checked on the HTTP request that carries them: POST /graphql.
describe('GraphQL with attenuated tokens', () => {
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
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    tokens = app.get(TokenService);
  });
  afterAll(() => app.close());

  async function query(caveats: CaveatInput[]) {
    const token = await attenuate(tokens.issue('frank').token, caveats);
    return request(app.getHttpServer())
      .post('/graphql')
      .set('Authorization', `Bearer ${token}`)
      .send({ query: '{ me { id path } }' });
  }

  it('runs an operation whose token allows POST on /graphql, every guarded field seeing its caveats', async () => {
    const response = await query([
      { type: 'methods', methods: ['POST'] },
      { type: 'path', prefix: '/graphql' },
    ]);
    expect(response.body).toEqual({ data: { me: { id: 'frank', path: '/graphql' } } });
  });

  it.each<[string, CaveatInput[]]>([
    ['GET only (a read-only link cannot run queries over POST)', [{ type: 'methods', methods: ['GET', 'HEAD'] }]],
    ['another path', [{ type: 'path', prefix: '/notes' }]],
  ])('refuses a token that allows %s with caveat_unmet', async (_, caveats) => {
    const response = await query(caveats);
    expect(response.body.data).toBeNull();
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(response.body.errors[0])).toContain('caveat');
  });

  it('spends a one-time token once per request, however many fields are guarded', async () => {
    const token = await attenuate(tokens.issue('frank').token, [{ type: 'once' }]);
    const send = () =>
      request(app.getHttpServer())
        .post('/graphql')
        .set('Authorization', `Bearer ${token}`)
        .send({ query: '{ me { id path } }' });
    expect((await send()).body).toEqual({ data: { me: { id: 'frank', path: '' } } });
    expect((await send()).body.data).toBeNull();
  });
});
