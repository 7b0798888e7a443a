import { TokenAuthConfigError } from './token-auth-config.error.js';

/** 32+ hex digits, or 24+ base64/base64url characters mixing upper case, lower case and digits: key-like text. */
const HEX_RUN = /[0-9a-fA-F]{32,}/g;
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;

function redactKeyLikeText(text: string): string {
  return text
    .replace(HEX_RUN, '[redacted]')
    .replace(BASE64_RUN, (run) => (/[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run) ? '[redacted]' : run));
}

/**
 * How logs, health and error messages name an error: its class and message only, never a payload. A message
 * written elsewhere may still quote what was read (a key provider's secret, a Redis reply), so key-like text in it
 * is redacted, and a parse error's message (which quotes its input) is dropped. Our own configuration errors never
 * carry key material and pass unchanged.
 */
export function describeError(error: unknown): string {
  if (error instanceof TokenAuthConfigError) return `${error.name}: ${error.message}`;
  if (error instanceof SyntaxError) return `${error.name} (message withheld: it may quote the text being parsed)`;
  return redactKeyLikeText(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
