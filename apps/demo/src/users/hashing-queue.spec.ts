import { describe, expect, it } from '@jest/globals';
import { HashingQueue } from './hashing-queue.js';

/** A task that finishes when the test says so, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    release,
    task: async () => {
      log.push(name);
      await done;
      return name;
    },
  };
}

describe('HashingQueue', () => {
  it('runs at most `concurrency` tasks at once, then waiting logins before waiting hashes', async () => {
    const queue = new HashingQueue(2);
    const log: string[] = [];
    const tasks = ['hash-1', 'hash-2', 'hash-3', 'hash-4', 'login-1', 'login-2'].map((name) => ({
      name,
      ...gate(log, name),
    }));
    const results = tasks.map(({ name, task }) => queue.run(name.startsWith('login') ? 'login' : 'hash', task));
    await Promise.resolve();
    expect(log).toEqual(['hash-1', 'hash-2']);
    tasks[0]!.release();
    await results[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['hash-1', 'hash-2', 'login-1']);
    for (const { release } of tasks) release();
    expect(await Promise.all(results)).toEqual(tasks.map(({ name }) => name));
    expect(log).toEqual(['hash-1', 'hash-2', 'login-1', 'login-2', 'hash-3', 'hash-4']);
  });

  it('frees the slot when a task fails', async () => {
    const queue = new HashingQueue(1);
    await expect(queue.run('hash', () => Promise.reject(new Error('scrypt failed')))).rejects.toThrow('scrypt failed');
    expect(await queue.run('login', async () => 'next')).toBe('next');
  });
});
