import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UseGuards, type INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { SubscribeMessage, WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import {
  CurrentUser,
  ManualClock,
  TokenAuthGuard,
  TokenAuthModule,
  TokenService,
  WS_CLOSE_UNAUTHORIZED,
  WsTokenAuth,
  type AuthenticatedSocket,
  type AuthenticatedUser,
} from 'nestjs-token-auth';

@WebSocketGateway()
@UseGuards(TokenAuthGuard)
class NotesGateway implements OnGatewayConnection {
  constructor(private readonly auth: WsTokenAuth) {}

  handleConnection(client: AuthenticatedSocket, request: IncomingMessage): void {
    this.auth.connect(client, request);
  }

  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: AuthenticatedUser) {
    return { event: 'whoami', data: user.sub };
  }
}

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12));
let app: INestApplication;
let url: string;
let origin: string;
let tokens: TokenService;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TokenAuthModule.forTesting({
        clock,
        cookie: { allowInsecureHttp: true },
      }),
    ],
    providers: [NotesGateway],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  url = `ws://127.0.0.1:${port}`;
  origin = `http://127.0.0.1:${port}`;
  tokens = app.get(TokenService);
});
afterAll(() => app.close());

interface Client {
  socket: WebSocket;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  ask(event: string): Promise<unknown>;
}

function connect(headers: Record<string, string>): Promise<Client> {
  const socket = new WebSocket(url, { headers });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const ask = (event: string) =>
    new Promise<unknown>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(data.toString()).data));
      socket.once('close', () => reject(new Error('closed')));
      socket.send(JSON.stringify({ event, data: {} }));
    });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, closed, ask }));
    socket.once('error', reject);
  });
}

describe('WebSocket gateway with WsTokenAuth and TokenAuthGuard', () => {
  it('authenticates the handshake by Authorization header and attaches the user to the socket', async () => {
    const client = await connect({ Authorization: `Bearer ${tokens.issue('alice').token}` });
    expect(await client.ask('whoami')).toBe('alice');
    expect(await client.ask('whoami')).toBe('alice');
    client.socket.close();
    await client.closed;
  });

  it('closes a socket that connected without a token, or with a bad one, with 4401 and the error code', async () => {
    const missing = await connect({});
    expect(await missing.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'token_missing' });
    const bad = await connect({ Authorization: 'Bearer nta1.AAAA' });
    expect(await bad.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'token_malformed' });
  });

  it('closes a socket whose token names a key the ring lacks with the reason a forged signature gets', async () => {
    const stranger = await Test.createTestingModule({ imports: [TokenAuthModule.forTesting({ clock })] }).compile();
    const foreign = stranger.get(TokenService).issue('mallory').token;
    const unknownKey = await connect({ Authorization: `Bearer ${foreign}` });
    const own = tokens.issue('mallory').token;
    const forged = await connect({
      Authorization: `Bearer ${own.slice(0, -2)}${own.at(-2) === 'A' ? 'B' : 'A'}${own.at(-1)}`,
    });
    // The close reason does not tell which key ids the ring holds (issue 23).
    expect(await unknownKey.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'invalid_signature' });
    expect(await forged.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'invalid_signature' });
  });

  it('accepts the access cookie from a same-origin page only', async () => {
    const cookie = `nta_access=${tokens.issue('bob').token}`; // plain http in development: no __Host- prefix
    const sameOrigin = await connect({ Cookie: cookie, Origin: origin });
    expect(await sameOrigin.ask('whoami')).toBe('bob');
    sameOrigin.socket.close();
    await sameOrigin.closed;

    const crossSite = await connect({ Cookie: cookie, Origin: 'https://evil.example' });
    expect((await crossSite.closed).code).toBe(WS_CLOSE_UNAUTHORIZED);

    // Same host and port, other scheme: a page from https:// is another origin than this ws:// endpoint's.
    const otherScheme = await connect({ Cookie: cookie, Origin: origin.replace('http:', 'https:') });
    expect(await otherScheme.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'token_missing' });
  });

  it('refuses a handshake carrying a token both as header and cookie', async () => {
    const token = tokens.issue('carol').token;
    const client = await connect({ Authorization: `Bearer ${token}`, Cookie: `nta_access=${token}`, Origin: origin });
    expect(await client.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'token_ambiguous' });
  });

  it('closes the socket at its next message once its token is revoked', async () => {
    const issued = tokens.issue('erin');
    const client = await connect({ Authorization: `Bearer ${issued.token}` });
    expect(await client.ask('whoami')).toBe('erin');
    await tokens.revokeAllForUser('erin');
    await expect(client.ask('whoami')).rejects.toThrow('closed');
    expect(await client.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'revoked_token' });
  });

  it('closes the socket at its next message once the token has expired', async () => {
    const client = await connect({ Authorization: `Bearer ${tokens.issue('dave', { ttl: 60 }).token}` });
    expect(await client.ask('whoami')).toBe('dave');
    clock.advance(91_000); // past expiry plus the default 30 s clock tolerance
    await expect(client.ask('whoami')).rejects.toThrow('closed');
    expect(await client.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'token_expired' });
  });
});
