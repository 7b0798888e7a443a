/**
 * Option defaults that code outside the Nest module reads too (`rotateRing`'s default grace period, the CLI), in
 * seconds. A file of its own with no imports, so the CLI loads without `@nestjs/common` installed.
 */
export const DEFAULT_MAX_ACCESS_TOKEN_TTL = 86_400;
export const DEFAULT_MAX_REFRESH_TOKEN_TTL = 2_592_000;
export const DEFAULT_CLOCK_TOLERANCE = 30;
