import { describe, expect, it } from '@jest/globals';
import { HashingQueue, HashingQueueFullError } from './hashing-queue.js';

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
    const queue = new HashingQueue({ concurrency: 2 });
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
    const queue = new HashingQueue({ concurrency: 1 });
    await expect(queue.run('hash', () => Promise.reject(new Error('scrypt failed')))).rejects.toThrow('scrypt failed');
    expect(await queue.run('login', async () => 'next')).toBe('next');
  });

  describe('load shedding', () => {
    /**
     * A queue of concurrency 2 whose tasks have taken 100 ms on average (by its clock, which the warm-up task moves),
     * with both slots held by gated tasks.
     */
    async function busyQueue(maxWaitMs: number) {
      let clock = 0;
      const queue = new HashingQueue({ concurrency: 2, maxWaitMs, now: () => clock });
      await queue.run('hash', async () => (clock += 100));
      const log: string[] = [];
      const held = [gate(log, 'a'), gate(log, 'b')];
      const running = held.map(({ task }) => queue.run('hash', task));
      return { queue, log, held, running };
    }

    it('estimates the wait as the tasks ahead in lane order, plus this one, served 2 at a time', async () => {
      const { queue, held, running } = await busyQueue(Number.MAX_SAFE_INTEGER);
      expect(queue.expectedWaitMs('login')).toBe(50);
      const waiting = [
        queue.run('hash', async () => 'h'),
        queue.run('hash', async () => 'h'),
        queue.run('login', async () => 'l'),
      ];
      // A login waits behind the waiting login only; a hash behind every waiting task.
      expect(queue.expectedWaitMs('login')).toBe(100);
      expect(queue.expectedWaitMs('hash')).toBe(200);
      for (const { release } of held) release();
      await Promise.all([...running, ...waiting]);
      expect(queue.expectedWaitMs('hash')).toBe(0); // slots free
    });

    it('refuses at once, with that wait as the time to retry, a task that would wait past maxWaitMs', async () => {
      const { queue, log, held, running } = await busyQueue(99);
      const first = queue.run('login', async () => 'first waits 50 ms');
      const refused = queue.run('login', async () => {
        log.push('refused task ran');
        return 'never';
      });
      await expect(refused).rejects.toThrow(HashingQueueFullError);
      await expect(refused).rejects.toMatchObject({ retryAfterMs: 100 });
      for (const { release } of held) release();
      expect(await Promise.all([...running, first])).toEqual(['a', 'b', 'first waits 50 ms']);
      expect(log).toEqual(['a', 'b']);
      expect(await queue.run('login', async () => 'served')).toBe('served');
    });

    it('refuses nothing before a task has finished: the cost of one is unknown', async () => {
      const queue = new HashingQueue({ concurrency: 1, maxWaitMs: 0 });
      const first = gate([], 'first');
      const running = queue.run('login', first.task);
      const queued = queue.run('login', async () => 'queued');
      first.release();
      expect(await Promise.all([running, queued])).toEqual(['first', 'queued']);
    });
  });
});
