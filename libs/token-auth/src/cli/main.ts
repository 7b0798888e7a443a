#!/usr/bin/env node
import { generateKey } from '../keys/generate-key.js';
import { formatCompactRing } from '../keys/key-ring-text.js';
import { serializeRing } from '../keys/rotation/rotate-ring.js';
import { UsageError } from './args.js';
import { ATTENUATE_USAGE, attenuateCommand } from './attenuate.command.js';
import { DEFAULT_GRACE_SECONDS, DEFAULT_REFRESH_SECONDS, initCommand, rotateCommand } from './secret.commands.js';
import { wrapCommand } from './wrap.command.js';

const USAGE = `Usage: nestjs-token-auth <command> [options]

  keygen [--json]
      Print a fresh key ring: for TOKEN_AUTH_KEYS in the compact form id:nta-key-v1.…,n=1, or as JSON
      (file and secret form). Keys are key texts (nta-key-v1.…), which carry a checksum.

  wrap --env VAR | --file PATH
      Print the ring held by the variable VAR or the file PATH with its raw keys (base64url, written before
      key texts) converted to key texts and its key count added, in the same form. Every key must pass the
      ring's checks (32+ random bytes, its id); ids do not change, so issued tokens stay valid.

${ATTENUATE_USAGE}

  init --secret-id <id> [--import-env VAR] [--allow-raw-keys] [--endpoint URL] [--region R]
      Create an AWS Secrets Manager secret holding a new ring (an active key and a published next key),
      or the ring held by the environment variable VAR (to migrate from TOKEN_AUTH_KEYS). --allow-raw-keys
      reads raw keys in VAR and writes them as key texts.

  rotate --secret-id <id> [--grace-seconds N] [--refresh-seconds N] [--emergency] [--allow-raw-keys]
         [--endpoint URL] [--region R]
      One phased rotation step on the secret's ring: the next key becomes active, the old active key stays
      verify-only for the grace period (default ${DEFAULT_GRACE_SECONDS} s), a new next key is published,
      expired keys are dropped. The next key must have been published at least --refresh-seconds ago
      (default ${DEFAULT_REFRESH_SECONDS}). --emergency retires the active key at once (it is compromised).
      --allow-raw-keys reads a ring holding raw keys and writes them as key texts.

  Credentials come from the AWS SDK's default chain; --endpoint and --region default to
  AWS_SECRETS_MANAGER_ENDPOINT and AWS_REGION. Key rotation, step by step:
  https://github.com/nestjs-token-auth/nestjs-token-auth/blob/main/docs/key-rotation.md`;

function keygen(args: string[]): string {
  const key = generateKey('active');
  if (args.includes('--json')) {
    const { id, key: text, state } = key;
    return serializeRing({ keys: [{ id, key: text, state, createdAt: key.createdAt as string }] }).trimEnd();
  }
  return `TOKEN_AUTH_KEYS=${formatCompactRing([key])}`;
}

async function run(command: string | undefined, args: string[]): Promise<string> {
  switch (command) {
    case 'keygen':
      return keygen(args);
    case 'attenuate':
      return attenuateCommand(args);
    case 'wrap':
      return wrapCommand(args, process.env);
    case 'rotate':
      return rotateCommand(args, process.env);
    case 'init':
      return initCommand(args, process.env);
    default:
      if (command === '--help' || command === '-h') throw new UsageError('');
      throw new UsageError(command === undefined ? 'a command is required' : `unknown command "${command}"`);
  }
}

const [command, ...args] = process.argv.slice(2);
/** Settles once the command has printed its output (or its error): what the CLI's tests wait for. */
export const done = run(command, args).then(
  (output) => console.log(output),
  (error: unknown) => {
    if (error instanceof UsageError) {
      if (error.message) console.error(`error: ${error.message}\n`);
      console.error(USAGE);
      process.exitCode = error.message ? 2 : 0;
      return;
    }
    console.error(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exitCode = 1;
  },
);
