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
import { attenuate, type CaveatInput } from 'nestjs-token-auth/client';

@WebSocketGateway({ path: '/live' })
@UseGuards(TokenAuthGuard)
class LiveGateway implements OnGatewayConnection {
  constructor(private readonly auth: WsTokenAuth) {}

  handleConnection(client: AuthenticatedSocket, request: IncomingMessage): void {
    this.auth.connect(client, request);
  }

  @SubscribeMessage('caveats')
  caveats(@CurrentUser() user: AuthenticatedUser) {
    return { event: 'caveats', data: user.caveats ?? null };
  }
}

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12));
let app: INestApplication;
let base: string;
let tokens: TokenService;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenAuthModule.forTesting({ clock })],
    providers: [LiveGateway],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  base = `ws://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  tokens = app.get(TokenService);
});
afterAll(() => app.close());

async function open(caveats: CaveatInput[]) {
  const token = await attenuate(tokens.issue('dana').token, caveats);
  const socket = new WebSocket(`${base}/live`, { headers: { Authorization: `Bearer ${token}` } });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const ask = () =>
    new Promise<unknown>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(data.toString()).data));
      socket.once('close', () => reject(new Error('closed')));
      socket.send(JSON.stringify({ event: 'caveats', data: {} }));
    });
  return { socket, closed, ask };
}

describe('WebSocket gateway with attenuated tokens', () => {
  it('checks the handshake’s GET and path at connection, and again on every message', async () => {
    const client = await open([
      { type: 'methods', methods: ['GET'] },
      { type: 'path', prefix: '/live' },
      { type: 'expires', at: clock.now() + 60_000 },
    ]);
    expect(await client.ask()).toMatchObject({ methods: ['GET'], pathPrefix: '/live' });
    expect(await client.ask()).toMatchObject({ pathPrefix: '/live' });
    // Past its expires caveat, the next message closes the socket.
    clock.advance(60_000 + 30_001);
    void client.ask().catch(() => undefined);
    expect(await client.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'token_expired' });
  });

  it.each<[string, CaveatInput[]]>([
    ['another path', [{ type: 'path', prefix: '/admin' }]],
    ['methods without GET', [{ type: 'methods', methods: ['POST'] }]],
    ['a one-time caveat', [{ type: 'once' }]],
  ])('closes a handshake whose token allows %s with caveat_unmet', async (_, caveats) => {
    const client = await open(caveats);
    expect(await client.closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'caveat_unmet' });
  });
});
