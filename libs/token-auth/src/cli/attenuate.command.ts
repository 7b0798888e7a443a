import { readFileSync } from 'node:fs';
import { attenuate, type CaveatInput } from '../client/attenuate.js';
import { HTTP_METHODS, type HttpMethod } from '../format/caveat-format.js';
import { parseOptions, UsageError } from './args.js';

export const ATTENUATE_USAGE = `  attenuate [TOKEN] [--expires-in SECONDS | --expires-at ISO-8601] [--methods GET,HEAD] [--path /prefix]
            [--audience NAME] [--once]
      Print an access token narrowed by caveats, made here without a key or a server: it expires sooner, allows
      only these methods, only paths under the prefix, only the service whose audience option is NAME, or one
      use. TOKEN is read from stdin when absent or "-". A refresh token cannot be attenuated.`;

const VALUE_OPTIONS = ['expires-in', 'expires-at', 'methods', 'path', 'audience'];
const OPTIONS = [...VALUE_OPTIONS, 'once'];

/**
 * `attenuate [TOKEN] [caveats]`: the token with the caveats appended, by the same `attenuate` as
 * `nestjs-token-auth/client` (WebCrypto). `now` and `stdin` are parameters for tests.
 */
export async function attenuateCommand(
  args: readonly string[],
  now: () => number = Date.now,
  stdin: () => string = () => readFileSync(0, 'utf8'),
): Promise<string> {
  const positional = args.filter(
    (arg, i) => !arg.startsWith('--') && !VALUE_OPTIONS.includes(args[i - 1]?.slice(2) ?? ''),
  );
  if (positional.length > 1) throw new UsageError('attenuate takes one token');
  const [given] = positional;
  const options = parseOptions(
    args.filter((arg) => arg !== given),
    OPTIONS,
    ['once'],
  );
  const caveats: CaveatInput[] = [];
  const expiresIn = options.get('expires-in');
  const expiresAt = options.get('expires-at');
  if (expiresIn !== undefined && expiresAt !== undefined) {
    throw new UsageError('give --expires-in or --expires-at, not both');
  }
  if (expiresIn !== undefined) {
    const seconds = Number(expiresIn);
    if (!Number.isInteger(seconds) || seconds <= 0) {
      throw new UsageError(`--expires-in must be a whole number of seconds, got "${expiresIn}"`);
    }
    caveats.push({ type: 'expires', at: now() + seconds * 1000 });
  }
  if (expiresAt !== undefined) {
    const at = Date.parse(expiresAt);
    if (!/^\d{4}-\d\d-\d\dT/.test(expiresAt) || Number.isNaN(at)) {
      throw new UsageError(`--expires-at must be an ISO 8601 time such as 2026-01-01T00:10:00Z, got "${expiresAt}"`);
    }
    caveats.push({ type: 'expires', at });
  }
  const methods = options.get('methods');
  if (methods !== undefined) {
    const list = methods.split(',').map((method) => method.trim().toUpperCase());
    const unknown = list.filter((method) => !(HTTP_METHODS as readonly string[]).includes(method));
    if (unknown.length > 0) {
      throw new UsageError(`--methods takes ${HTTP_METHODS.join(', ')}; not ${unknown.join(', ')}`);
    }
    caveats.push({ type: 'methods', methods: list as HttpMethod[] });
  }
  const path = options.get('path');
  if (path !== undefined) caveats.push({ type: 'path', prefix: path });
  const audience = options.get('audience');
  if (audience !== undefined) caveats.push({ type: 'audience', audience });
  if (options.has('once')) caveats.push({ type: 'once' });
  if (caveats.length === 0) throw new UsageError('attenuate needs at least one caveat option');
  const token = (given === undefined || given === '-' ? stdin() : given).trim();
  try {
    return await attenuate(token, caveats);
  } catch (error) {
    // A token that cannot be attenuated, or a caveat that cannot be written: a usage error, with its reason.
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}
