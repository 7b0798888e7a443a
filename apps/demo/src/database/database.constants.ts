/** Injection token of the open better-sqlite3 `Database`. */
export const DATABASE = Symbol('demo:database');
