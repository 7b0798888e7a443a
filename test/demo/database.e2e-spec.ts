import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { DATABASE } from '../../apps/demo/src/database/database.constants.js';
import { ADAPTERS, keyRingText, startDemo } from './support/demo-harness.js';

describe.each(ADAPTERS)('demo database file (%s)', (adapter) => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is created with its directory on first start, in WAL mode, and keeps users, notes and tokens across a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-db-'));
    const env = { DEMO_DB_PATH: join(dir, 'nested', 'demo.sqlite'), TOKEN_AUTH_KEYS: keyRingText() };

    const first = await startDemo(adapter, env);
    let token: string;
    try {
      expect(existsSync(env.DEMO_DB_PATH)).toBe(true);
      expect(first.app.get<Database.Database>(DATABASE).pragma('journal_mode', { simple: true })).toBe('wal');
      await first.register('heidi');
      token = await first.login('heidi');
      await first.http().post('/notes').set('Authorization', token).send({ text: 'kept' }).expect(201);
    } finally {
      await first.close();
    }
    expect(first.app.get<Database.Database>(DATABASE).open).toBe(false);

    const second = await startDemo(adapter, env);
    try {
      const notes = await second.http().get('/notes').set('Authorization', token).expect(200);
      expect(notes.body).toEqual([expect.objectContaining({ text: 'kept' })]);
      await second.login('heidi');
      await second.http().post('/auth/register').send({ username: 'heidi', password: 'another password' }).expect(409);
    } finally {
      await second.close();
    }
  });
});
