import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { formatCompactRing, generateKey, KeyRing, TokenService } from 'nestjs-token-auth';
import { CandidateGenerator, isHeaderSafe } from './candidates.js';
import { heapSnapshot, type MemoryReading } from './memory.js';
import type { Random } from './random.js';

/** The demo's compiled entry points (dist/apps/demo), loaded at run time: they are built by `npm run build`. */
interface DemoModules {
  createDemoApp(config: unknown, options?: NestApplicationOptions): Promise<INestApplication>;
  loadDemoConfig(env: NodeJS.ProcessEnv): unknown;
}

async function loadDemo(): Promise<DemoModules> {
  const [app, config] = await Promise.all([
    import(new URL('../apps/demo/create-demo-app.js', import.meta.url).href),
    import(new URL('../apps/demo/config/demo-config.js', import.meta.url).href),
  ]);
  return { createDemoApp: app.createDemoApp, loadDemoConfig: config.loadDemoConfig };
}

// Loaded when the run starts, so the whole run uses the build it began with.
const demoModules = loadDemo();

export interface HttpFuzzResult {
  adapter: string;
  requests: number;
  statuses: Record<number, number>;
  accepted: string[];
  echoed: number;
  crashes: string[];
  controlStatus: number;
  seconds: number;
  memory: MemoryReading[];
}

/** Longest header line sent: Node refuses headers over 16 KiB with 431 before any guard runs. */
const MAX_HEADER_LENGTH = 8000;
const SCHEMES = ['Bearer ', 'Bearer ', 'Bearer ', 'bearer ', 'BEARER ', 'Bearer   ', 'Bearer\t', 'Basic ', ''];
const CONCURRENCY = 32;

interface Answer {
  status: number;
  body: string;
}

function get(port: number, agent: Agent, authorization: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/notes', agent, headers: { authorization } }, (res) => {
      let body = '';
      res.setEncoding('latin1').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function post(port: number, path: string, body: unknown): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.text() };
}

/** Sends `count` mutated and random tokens to `GET /notes` of the demo (global TokenAuthGuard) over real HTTP. */
export async function fuzzHttp(random: Random, adapter: 'express' | 'fastify', count: number): Promise<HttpFuzzResult> {
  const demo = await demoModules;
  const key = generateKey();
  const config = demo.loadDemoConfig({
    NODE_ENV: 'production',
    DEMO_ADAPTER: adapter,
    DEMO_DB_PATH: ':memory:',
    TOKEN_AUTH_KEYS: formatCompactRing([key]),
  });
  const app = await demo.createDemoApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const { port } = app.getHttpServer().address() as AddressInfo;
    const credentials = { username: 'fuzz', password: 'fuzz-password-1' };
    await post(port, '/auth/register', credentials);
    const login = await post(port, '/auth/login', credentials);
    const { access_token: loggedIn } = JSON.parse(login.body) as { access_token: string };
    const subject = app.get(TokenService).verify(loggedIn).sub;
    const valid = [loggedIn];
    for (let i = 0; i < 15; i++) valid.push(app.get(TokenService).issue(subject, { claims: { i } }).token);
    const validSet = new Set(valid);
    const controlStatus = (await get(port, agent, `Bearer ${loggedIn}`)).status;
    const { active } = KeyRing.from([key]);
    const generator = new CandidateGenerator(random, valid, active.keyIdBytes, active.macKeys.access);

    const statuses: Record<number, number> = {};
    const accepted: string[] = [];
    const crashes: string[] = [];
    let echoed = 0;
    let sent = 0;
    const memory: MemoryReading[] = [heapSnapshot('start')];
    const started = process.hrtime.bigint();
    const next = (): string => {
      for (;;) {
        const kind = generator.kind();
        if (kind === 'very long string') continue;
        const candidate = generator.make(kind);
        const header = random.pick(SCHEMES) + candidate;
        if (validSet.has(candidate) || header.length > MAX_HEADER_LENGTH || !isHeaderSafe(header)) continue;
        return header;
      }
    };
    const worker = async (): Promise<void> => {
      while (sent < count) {
        sent++;
        const header = next();
        try {
          const { status, body } = await get(port, agent, header);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 200) accepted.push(header.slice(0, 80));
          const token = header.slice(header.indexOf(' ') + 1).trim();
          if (token.length >= 20 && body.includes(token)) echoed++;
        } catch (error) {
          crashes.push(String(error));
        }
        if (sent % Math.ceil(count / 4) === 0) memory.push(heapSnapshot(`${sent.toLocaleString('en')} requests`));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = (await get(port, agent, `Bearer ${loggedIn}`)).status;
    return {
      adapter,
      requests: count,
      statuses,
      accepted,
      echoed,
      crashes,
      controlStatus: controlStatus === after ? controlStatus : -1,
      seconds,
      memory: [...memory, heapSnapshot('end')],
    };
  } finally {
    agent.destroy();
    await app.close();
  }
}
