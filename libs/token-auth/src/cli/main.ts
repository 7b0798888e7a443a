#!/usr/bin/env node
import { generateKey } from '../keys/generate-key.js';

const USAGE = `Usage: nestjs-token-auth keygen [--json]

  keygen          print a fresh key ring for TOKEN_AUTH_KEYS, in the compact id:key form
  keygen --json   print it as JSON, the form file and secret providers read`;

function keygen(args: string[]): string {
  const key = generateKey('active');
  if (args.includes('--json')) return JSON.stringify({ keys: [key] }, null, 2);
  return `TOKEN_AUTH_KEYS=${key.id}:${key.key}`;
}

const [command, ...args] = process.argv.slice(2);
if (command === 'keygen') {
  console.log(keygen(args));
} else {
  console.error(USAGE);
  process.exitCode = command === undefined || command === '--help' ? 0 : 2;
}
