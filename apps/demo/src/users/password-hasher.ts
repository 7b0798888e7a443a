import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HashingQueue, type HashingQueueOptions } from './hashing-queue.js';

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

const PARAMS: ScryptParams = { N: 16_384, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;
// scrypt$N=16384,r=8,p=1$<salt>$<hash>, salt and hash in base64url: the parameters travel with each hash, so
// they can be raised later without breaking the passwords already stored.
const STORED = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs about 128 * N * r bytes; Node refuses anything over 32 MiB unless maxmem says otherwise.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, HASH_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

function format(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * scrypt password hashes, computed at registration and checked at login only, through one `HashingQueue`: logins
 * stay responsive under a flood of registrations, and past `maxWaitMs` of queue a hash is refused at once
 * (`HashingQueueFullError`) instead of waiting.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly queue: HashingQueue;

  constructor(options: HashingQueueOptions = {}) {
    this.queue = new HashingQueue(options);
  }

  /**
   * Checked in place of a real hash when the username is unknown, so that a login costs one scrypt whether or not
   * the user exists. Its hash bytes are random: no password matches it.
   */
  readonly dummyHash = format(PARAMS, randomBytes(SALT_BYTES), randomBytes(HASH_BYTES));

  /** Hashes once at startup, so the queue knows what a hash costs on this machine before the first flood. */
  async onModuleInit(): Promise<void> {
    await this.queue.run('hash', () => derive(randomBytes(16).toString('base64url'), randomBytes(SALT_BYTES), PARAMS));
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    return format(PARAMS, salt, await this.queue.run('hash', () => derive(password, salt, PARAMS)));
  }

  /** True when `password` matches `stored`; a malformed stored hash is an error, not a failed login. */
  async verify(password: string, stored: string): Promise<boolean> {
    const match = STORED.exec(stored);
    if (match === null) throw new Error('stored password hash is not in the scrypt$N=…,r=…,p=…$salt$hash format');
    const [, N, r, p, salt, hash] = match;
    const expected = Buffer.from(hash!, 'base64url');
    const params = { N: Number(N), r: Number(r), p: Number(p) };
    const actual = await this.queue.run('login', () => derive(password, Buffer.from(salt!, 'base64url'), params));
    return timingSafeEqual(actual, expected);
  }
}
