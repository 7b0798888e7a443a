import 'reflect-metadata';
import { createOperations } from '../support/operations.js';
import { settle, SETTLE } from './callgrind.js';

/** What the runner asks of the counter process: run one operation this many times. */
export interface CountRequest {
  operation: string;
  iterations: number;
}

let sink = 0;

/**
 * The per-operation candidates in a process run under callgrind by instructions.bench.ts: each request runs one
 * operation in a loop (awaited when it returns a promise) and replies when done, so the runner can dump the counts
 * between loops. Nothing else runs between requests (no timer), so the counts between two dumps are the loop's and
 * the IPC's alone.
 */
async function main(): Promise<void> {
  const { operations } = await createOperations();
  const byName = new Map(operations.map((operation) => [operation.name, operation]));
  process.on('message', (message: CountRequest) => {
    void (async () => {
      if ((message as Partial<typeof SETTLE>).settle) {
        void settle().then(() => process.send!({ settled: true }));
        return;
      }
      const operation = byName.get(message.operation);
      if (operation === undefined) throw new Error(`unknown operation ${message.operation}`);
      const { fn } = operation;
      const isAsync = fn() instanceof Promise;
      for (let i = 0; i < message.iterations; i++) sink ^= (isAsync ? await fn() : fn()) === undefined ? 0 : 1;
      process.send!({ done: message.iterations, sink });
    })();
  });
  process.once('disconnect', () => process.exit(0));
  process.send!({ operations: operations.filter((o) => !o.skipInstructions).map(({ name, slow }) => ({ name, slow })) });
}

await main();
