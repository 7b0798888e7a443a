import type { ExecutionContext } from '@nestjs/common';

/**
 * The object a user is attached to, whatever the transport: the HTTP request; for GraphQL the request held in
 * the resolver context (argument 2: `{ req }` with Apollo, `{ request }` or `{ reply }` elsewhere), shared by
 * every field of one operation; for WebSockets the socket. Reads `getType()` and the raw arguments, so neither
 * `@nestjs/graphql` nor `@nestjs/websockets` is imported.
 */
export function requestOf<T extends object>(context: ExecutionContext): T {
  const type = context.getType<string>();
  if (type === 'graphql') {
    const graphqlContext = context.getArgs()[2] as { req?: T; request?: T; reply?: { request?: T } } | undefined;
    const request = graphqlContext?.req ?? graphqlContext?.request ?? graphqlContext?.reply?.request;
    if (request === undefined) {
      throw new Error('no request in the GraphQL context: return { req } from the GraphQL module context factory');
    }
    return request;
  }
  if (type === 'ws') return context.switchToWs().getClient<T>();
  // What switchToHttp().getRequest() returns, without the three closures switchToHttp() makes on every call.
  return context.getArgByIndex<T>(0);
}
