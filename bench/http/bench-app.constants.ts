export const JWT_SECRET = Symbol('JWT_SECRET');
export const JWT_KEY_OBJECT = Symbol('JWT_KEY_OBJECT');
export const JWT_KEY_OBJECT_SERVICE = Symbol('JWT_KEY_OBJECT_SERVICE');
export const BASIC_USERS = Symbol('BASIC_USERS');
export const HMAC_FLOOR_INPUT = Symbol('HMAC_FLOOR_INPUT');

export type Platform = 'fastify' | 'express';

/** The routes of the benchmark app, one per way of authenticating, in the order they are reported. */
export const ROUTES = [
  { path: 'unguarded', label: 'unguarded' },
  { path: 'allow-all', label: 'no-op guard (Nest guard pipeline only)' },
  { path: 'hmac-floor', label: 'floor: a guard that only computes one createHmac' },
  { path: 'bare-verify', label: "a guard that only runs the bare verify (the format's least work)" },
  { path: 'token-auth', label: 'TokenAuthGuard (nestjs-token-auth)' },
  { path: 'nestjs-jwt', label: '@nestjs/jwt guard, string secret (docs)' },
  { path: 'nestjs-jwt-key-object', label: '@nestjs/jwt guard, KeyObject secret' },
  { path: 'passport-jwt', label: "AuthGuard('jwt'), passport-jwt, string secret (docs)" },
  { path: 'passport-jwt-key-object', label: "AuthGuard('jwt'), passport-jwt, KeyObject secret" },
  { path: 'basic-bcrypt', label: 'Basic auth, bcrypt cost 10 per request' },
] as const;

export type RoutePath = (typeof ROUTES)[number]['path'];

/** What the app process tells the runner once it listens. */
export interface AppReady {
  port: number;
  /** The Authorization header each route needs; absent for the unguarded ones. */
  authorization: Partial<Record<RoutePath, string>>;
}

/** Asked of the app process before and after each load run: the CPU time it has used so far. */
export const CPU_USAGE_REQUEST = 'cpu-usage';

export interface CpuUsageReply {
  cpuUsage: NodeJS.CpuUsage;
}

/** Asked by the instruction counts: this many new tokens, never verified, for the route where every token is new. */
export interface FreshTokensRequest {
  freshTokens: number;
}

export interface FreshTokensReply {
  tokens: string[];
}

/** Asked of an app started with `--metrics`: one collection of every instrument, as a Prometheus scrape makes. */
export interface ScrapeRequest {
  scrape: true;
}
