/**
 * Whether `Error.stackTraceLimit` can be set: it cannot under `--frozen-intrinsics`, where setting it would throw
 * (errors are then made with their stack). Read once, at load.
 */
export const STACK_LIMIT_SETTABLE = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable === true;

/**
 * What `make` returns, with any error it constructs carrying no stack frames: for the answers to refused tokens,
 * where capturing the stack cost more than verifying a token (BENCHMARKS.md, Refusals). The limit is restored
 * before returning, even if `make` throws.
 */
export function withoutStackTrace<T>(make: () => T): T {
  if (!STACK_LIMIT_SETTABLE) return make();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
