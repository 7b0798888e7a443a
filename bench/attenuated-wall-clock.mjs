// Wall-clock ratios of attenuated verifies to one HMAC (BENCHMARKS.md, Attenuated tokens): interleaved rounds, the median.
// After npm run build -w nestjs-token-auth and tsc -p bench/tsconfig.json: node bench/attenuated-wall-clock.mjs
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { attenuate } from '../libs/token-auth/dist/esm/client/index.js';
import { benchKeys, createTokenAuth } from '../dist/bench/support/fixtures.js';
const auth = await createTokenAuth(benchKeys(), { verifyCache: { maxEntries: 256 } });
const { tokens } = auth;
const claims = { roles: ['user'] };
const N = 8192;
const REQ = { method: 'GET', path: '/notes/5' };
const three = (n) => [
  { type: 'expires', at: Date.now() + 600000 + n },
  { type: 'methods', methods: ['GET', 'HEAD'] },
  { type: 'path', prefix: '/notes/5' },
];
const plainCold = [],
  cold1 = [],
  cold3 = [],
  sib1 = [],
  sib3 = [];
const parent = tokens.issue('user-42', { claims }).token;
for (let n = 0; n < N; n++) {
  plainCold.push(tokens.issue('user-42', { claims }).token);
  cold1.push(await attenuate(tokens.issue('user-42', { claims }).token, [{ type: 'methods', methods: ['GET'] }]));
  cold3.push(await attenuate(tokens.issue('user-42', { claims }).token, three(n)));
  sib1.push(await attenuate(parent, [{ type: 'expires', at: Date.now() + 600000 + n }]));
  sib3.push(await attenuate(parent, three(n)));
}
const warmPlain = tokens.issue('user-42', { claims }).token;
const warmAtt = await attenuate(tokens.issue('user-42', { claims }).token, three(0));
const key = createSecretKey(randomBytes(32));
const body = Buffer.from(warmPlain.slice(5), 'base64url').subarray(0, -32);
let i = 0;
const ops = {
  'floor: one HMAC': () => createHmac('sha256', key).update(body).digest(),
  'plain, every token new': () => tokens.verify(plainCold[i++ & (N - 1)]),
  'attenuated 1 caveat, every token and parent new': () => tokens.verify(cold1[i++ & (N - 1)], REQ),
  'attenuated 3 caveats, every token and parent new': () => tokens.verify(cold3[i++ & (N - 1)], REQ),
  'attenuated 1 caveat, parent tag cached': () => tokens.verify(sib1[i++ & (N - 1)], REQ),
  'attenuated 3 caveats, parent tag cached': () => tokens.verify(sib3[i++ & (N - 1)], REQ),
  'plain, warm': () => tokens.verify(warmPlain),
  'attenuated 3 caveats, warm': () => tokens.verify(warmAtt, REQ),
};
const samples = Object.fromEntries(Object.keys(ops).map((k) => [k, []]));
for (const fn of Object.values(ops)) for (let k = 0; k < 3000; k++) fn();
for (let round = 0; round < Number(process.env.ROUNDS ?? 15); round++) {
  for (const [name, fn] of Object.entries(ops)) {
    const calls = name.includes('warm') ? 20000 : 2000;
    const t = process.hrtime.bigint();
    for (let k = 0; k < calls; k++) fn();
    samples[name].push(Number(process.hrtime.bigint() - t) / calls);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const floor = median(samples['floor: one HMAC']);
for (const [name, s] of Object.entries(samples))
  console.log(`${name}\t${median(s).toFixed(0)} ns\t${(median(s) / floor).toFixed(2)}x`);
await auth.close();
