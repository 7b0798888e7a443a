#!/usr/bin/env node
/**
 * Bytes added by the caveats of the demo's share link (an expiry, GET and HEAD, one note's path), in this format and
 * in the two peers the issue names: macaroons (libmacaroons' v2 binary format, npm `macaroon`) and Biscuit
 * (biscuit-wasm, Ed25519). The peers are not dependencies of this repository; install them anywhere and point
 * PEERS at that folder (BENCHMARKS.md, Attenuated tokens):
 *
 *   npm install --prefix /tmp/peers macaroon@3.0.4 @biscuit-auth/biscuit-wasm@0.6.0
 *   npm run build -w nestjs-token-auth
 *   PEERS=/tmp/peers node --experimental-wasm-modules bench/sizes/caveat-sizes.mjs
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';

const peers = process.env.PEERS;
if (!peers) throw new Error('set PEERS to the folder where macaroon and @biscuit-auth/biscuit-wasm are installed');
const at = '2026-01-01T00:10:00Z';
const path = '/notes/42';

// This format: a v1 token (any body will do: caveats are appended after it) and the client's attenuate.
const { attenuate } = await import('../../libs/token-auth/dist/esm/client/index.js');
// Version 1, access, a zero key id, ids and times, the 7-byte subject "user-42", no claims: 65 bytes of body.
const body = Buffer.alloc(65);
body.set([1, 1], 0);
body[55] = 7;
Buffer.from('user-42').copy(body, 56);
const parentBytes = Buffer.concat([
  body,
  createHmac('sha256', createSecretKey(randomBytes(32)))
    .update(body)
    .digest(),
]);
const parent = `nta1.${parentBytes.toString('base64url')}`;
const ours = [
  { type: 'expires', at: Date.parse(at) },
  { type: 'methods', methods: ['GET', 'HEAD'] },
  { type: 'path', prefix: path },
];
const oursPer = [];
let token = parent;
for (const caveat of ours) {
  const next = await attenuate(token, [caveat]);
  oursPer.push(
    Buffer.from(next.slice(6), 'base64url').length -
      Buffer.from(token.slice(token.indexOf('.') + 1), 'base64url').length,
  );
  token = next;
}

const require = createRequire(join(peers, 'package.json'));
const { newMacaroon } = require('macaroon');
const macaroon = newMacaroon({ rootKey: new Uint8Array(32).fill(1), identifier: 'user-42', location: '', version: 2 });
const macaroonPer = [];
for (const caveat of [`time < ${at}`, 'method in GET,HEAD', `path = ${path}`]) {
  const before = macaroon.exportBinary().length;
  macaroon.addFirstPartyCaveat(new TextEncoder().encode(caveat));
  macaroonPer.push(macaroon.exportBinary().length - before);
}

const { biscuit, block, KeyPair, SignatureAlgorithm } = await import(
  pathToFileURL(join(peers, 'node_modules/@biscuit-auth/biscuit-wasm/module/biscuit.js')).href
);
const root = new KeyPair(SignatureAlgorithm.Ed25519);
const base = biscuit`user("user-42");`.build(root.getPrivateKey());
const size = (b) => Buffer.from(b.toBase64(), 'base64url').length;
const checks = [
  block`check if time($t), $t <= ${new Date(at)};`,
  block`check if method($m), ["GET", "HEAD"].contains($m);`,
  block`check if path(${path});`,
];
const oneBlock = base.appendBlock(
  block`check if time($t), $t <= ${new Date(at)}; check if method($m), ["GET", "HEAD"].contains($m); check if path(${path});`,
);
let perBlock = base;
const biscuitPer = [];
for (const check of checks) {
  const next = perBlock.appendBlock(check);
  biscuitPer.push(size(next) - size(perBlock));
  perBlock = next;
}

const sum = (list) => list.reduce((a, b) => a + b, 0);
console.log(
  JSON.stringify(
    {
      caveats: ['expiry', 'GET and HEAD', `path ${path}`],
      nta1c: { perCaveat: oursPer, total: sum(oursPer) },
      macaroonV2: { perCaveat: macaroonPer, total: sum(macaroonPer) },
      biscuit: {
        oneBlockOfThreeChecks: size(oneBlock) - size(base),
        blockPerCaveat: biscuitPer,
        total: sum(biscuitPer),
      },
    },
    null,
    2,
  ),
);
