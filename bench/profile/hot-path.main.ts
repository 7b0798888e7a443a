import 'reflect-metadata';
import { benchKeys, createTokenAuth, ROLES, SUBJECT } from '../support/fixtures.js';

/**
 * Calls `verify` or `issue` in a loop, to be run under `node --cpu-prof`: started by profile.bench.ts with the
 * operation and the number of calls as arguments.
 */
async function main(operation: string, calls: number): Promise<void> {
  const auth = await createTokenAuth(benchKeys());
  const claims = { roles: ROLES };
  const { token } = auth.tokens.issue(SUBJECT, { claims });
  if (operation === 'verify') {
    for (let i = 0; i < calls; i++) auth.tokens.verify(token);
  } else if (operation === 'issue') {
    for (let i = 0; i < calls; i++) auth.tokens.issue(SUBJECT, { claims });
  } else {
    throw new Error(`unknown operation ${operation}: expected verify or issue`);
  }
  await auth.close();
}

await main(process.argv[2]!, Number(process.argv[3]));
