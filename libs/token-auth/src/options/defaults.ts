/**
 * Every default of the module's options, named once. Times in seconds, as the options take them. A file with no
 * imports: code outside the Nest module reads it too (`rotateRing`'s default grace period, the CLI), and the CLI
 * loads without `@nestjs/common` installed.
 */
export const DEFAULT_ACCESS_TOKEN_TTL = 900;
export const DEFAULT_MAX_ACCESS_TOKEN_TTL = 86_400;
export const DEFAULT_REFRESH_TOKEN_TTL = 1_209_600;
export const DEFAULT_MAX_REFRESH_TOKEN_TTL = 2_592_000;
export const DEFAULT_MAX_SESSION_LIFETIME = 2_592_000;
export const DEFAULT_REFRESH_REPLAY_WINDOW = 30;
export const DEFAULT_CLOCK_TOLERANCE = 30;
/** `@RequireFreshLogin()` without an argument: a login within the last 5 minutes. */
export const DEFAULT_FRESH_LOGIN_MAX_AGE = 300;
/** The widest `clockTolerance` accepted: past it, the clocks need fixing (NTP), not a wider window. */
export const MAX_CLOCK_TOLERANCE = 300;

/** Bounds of the verified-token cache. */
export const DEFAULT_VERIFY_CACHE: Readonly<{ maxEntries: number; maxBytes: number }> = Object.freeze({
  maxEntries: 10_000,
  maxBytes: 8 * 1024 * 1024,
});

/** Cookie mode. */
export const DEFAULT_COOKIE_SAME_SITE = 'strict';
export const DEFAULT_CSRF_HEADER = 'x-csrf-protection';
