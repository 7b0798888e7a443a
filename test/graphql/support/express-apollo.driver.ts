import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { Request, Response, NextFunction } from 'express';

/**
 * `ApolloDriver` mounted on Express without `@as-integrations/express5` (not installed here): the same bridge,
 * reduced to what these tests send (POST with a JSON body, complete responses).
 */
export class ExpressApolloDriver extends ApolloDriver {
  override async registerExpress(options: ApolloDriverConfig, { preStartHook }: { preStartHook?: () => void } = {}): Promise<void> {
    preStartHook?.();
    const server = new ApolloServer<BaseContext>(options as ConstructorParameters<typeof ApolloServer<BaseContext>>[0]);
    await server.start();
    const context = options.context as (args: { req: Request; res: Response }) => Promise<BaseContext>;
    this.httpAdapterHost.httpAdapter.use(options.path!, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const headers = new HeaderMap();
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const result = await server.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: '', body: req.body ?? {} },
          context: () => context({ req, res }),
        });
        for (const [name, value] of result.headers) res.setHeader(name, value);
        res.statusCode = result.status ?? 200;
        if (result.body.kind !== 'complete') throw new Error('incremental delivery is not used in these tests');
        res.end(result.body.string);
      } catch (error) {
        next(error);
      }
    });
    (this as unknown as { apolloServer: ApolloServer<BaseContext> }).apolloServer = server;
  }
}
