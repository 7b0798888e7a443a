/**
 * The SQLite result code of a better-sqlite3 error (`SQLITE_CONSTRAINT_UNIQUE`, ...), or undefined for any other
 * error. Read from the `code` property rather than with `instanceof SqliteError`: the native addon keeps the
 * first `SqliteError` class it was given for the life of the process, so the check fails wherever the module is
 * evaluated again (Jest's per-file module registries, for one).
 */
export function sqliteErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || (error as { name?: unknown }).name !== 'SqliteError')
    return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
