import { TokenAuthError } from 'nestjs-token-auth';

function codeOrDescription(error: unknown): string {
  return error instanceof TokenAuthError ? error.code : `not a TokenAuthError: ${String(error)}`;
}

/** The `TokenAuthError` code `fn` throws, undefined if it returns, or a telling string for any other throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return codeOrDescription(error);
  }
  return undefined;
}

/** The same for a promise. */
export async function asyncCodeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return codeOrDescription(error);
  }
  return undefined;
}
