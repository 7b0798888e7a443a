import { TokenAuthConfigError } from '../errors/token-auth-config.error.js';

/** Bytes of an audience name at most: what an audience caveat can carry (docs/token-format.md, section 9.3). */
const MAX_AUDIENCE_BYTES = 127;

/**
 * The `audience` option: this service's name for audience caveats, or undefined (a service without one meets no
 * audience caveat). A name no caveat could carry is refused at startup rather than never matching.
 */
export function resolveAudience(audience: unknown): string | undefined {
  if (audience === undefined) return undefined;
  if (
    typeof audience !== 'string' ||
    audience.length === 0 ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(audience) ||
    Buffer.byteLength(audience, 'utf8') > MAX_AUDIENCE_BYTES
  ) {
    throw new TokenAuthConfigError(
      `audience must be this service's name: 1 to ${MAX_AUDIENCE_BYTES} bytes of text without control characters`,
    );
  }
  return audience;
}
