import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import {
  KeyRingManager,
  StaticKeyProvider,
  TokenAuthModule,
  TokenService,
  generateKey,
  type KeySpec,
  type TokenAuthModuleOptions,
} from 'nestjs-token-auth';

/** Who every benchmark token is for: the same subject and roles in our tokens and in the JWTs. */
export const SUBJECT = 'user-42';
export const ROLES = ['user'];
export const TTL_SECONDS = 900;

/** Basic-auth credentials for the per-request password-hashing anchor. */
export const BASIC_USER = 'alice';
export const BASIC_PASSWORD = 'correct horse battery staple';

/** A fresh ring of one active key: benchmark keys live only in memory. */
export function benchKeys(): KeySpec[] {
  return [generateKey('active')];
}

/** The JWT secret as the NestJS docs configure it: a string constant (here random, 32 bytes of base64url). */
export function benchJwtSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The library as applications get it: TokenAuthModule in a Nest context, the service and key ring from it. */
export async function createTokenAuth(keys: KeySpec[], options: Partial<TokenAuthModuleOptions> = {}) {
  const context = await NestFactory.createApplicationContext(
    TokenAuthModule.forRoot({ keyProvider: new StaticKeyProvider(keys), accessTokenTtl: TTL_SECONDS, ...options }),
    { logger: false },
  );
  return { tokens: context.get(TokenService), keyRing: context.get(KeyRingManager), close: () => context.close() };
}
