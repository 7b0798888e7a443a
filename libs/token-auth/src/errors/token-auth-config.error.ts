/**
 * Thrown at bootstrap when options or keys are unusable, so the app stops before serving a request.
 * The message says what to fix; it never contains key material.
 */
export class TokenAuthConfigError extends Error {
  override readonly name = 'TokenAuthConfigError';
}
