import 'reflect-metadata';
import { createOperations } from '../support/operations.js';

/** What the runner asks of the counter process: run one operation this many times. */
export interface CountRequest {
  operation: string;
  iterations: number;
}

let sink = 0;

/**
 * The per-operation candidates in a process run under callgrind by instructions.bench.ts: each request runs one
 * operation in a loop (awaited when it returns a promise) and replies when done, so the runner can dump the counts
 * between loops. A timer keeps the event loop waking, so callgrind sees the dump requests promptly.
 */
async function main(): Promise<void> {
  const { operations } = await createOperations();
  const byName = new Map(operations.map((operation) => [operation.name, operation]));
  const keepAwake = setInterval(() => {}, 20);
  process.on('message', (message: CountRequest) => {
    void (async () => {
      const operation = byName.get(message.operation);
      if (operation === undefined) throw new Error(`unknown operation ${message.operation}`);
      const { fn } = operation;
      const isAsync = fn() instanceof Promise;
      for (let i = 0; i < message.iterations; i++) sink ^= (isAsync ? await fn() : fn()) === undefined ? 0 : 1;
      process.send!({ done: message.iterations, sink });
    })();
  });
  process.once('disconnect', () => {
    clearInterval(keepAwake);
    process.exit(0);
  });
  process.send!({ operations: operations.filter((o) => !o.skipInstructions).map(({ name, slow }) => ({ name, slow })) });
}

await main();
