import 'reflect-metadata';
import { createOperation } from '../support/operations.js';
import { settle, SETTLE } from './callgrind.js';

/** What the runner asks of the counter process: run its operation this many times. */
export interface CountRequest {
  iterations: number;
}

let sink = 0;

/**
 * One per-operation candidate (named by the first argument) in a process of its own, run under callgrind by
 * instructions.bench.ts, with only what that operation needs loaded: each request runs the operation in a loop
 * (awaited when it returns a promise) and replies when done, so the runner can dump the counts between loops.
 * Nothing else runs between requests (no timer), so the counts between two dumps are the loop's and the IPC's alone.
 */
async function main(): Promise<void> {
  const { fn } = (await createOperation(process.argv[2]!)).operation;
  const isAsync = fn() instanceof Promise;
  process.on('message', (message: CountRequest | typeof SETTLE) => {
    void (async () => {
      if ('settle' in message) {
        await settle();
        process.send!({ settled: true });
        return;
      }
      for (let i = 0; i < message.iterations; i++) sink ^= (isAsync ? await fn() : fn()) === undefined ? 0 : 1;
      process.send!({ done: message.iterations, sink });
    })();
  });
  process.once('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

await main();
