import { readFileSync } from 'node:fs';
import { wrapKeyRingText } from '../keys/wrap-ring.js';
import { parseOptions, UsageError } from './args.js';

/**
 * `wrap --env VAR | --file PATH`: the ring with its raw keys converted to key texts and its count, in the form it
 * was given. The ids converted go to stderr, the ring alone to stdout, so it can be redirected to a file.
 */
export function wrapCommand(args: readonly string[], env: NodeJS.ProcessEnv): string {
  const options = parseOptions(args, ['env', 'file']);
  const variable = options.get('env');
  const file = options.get('file');
  if ((variable === undefined) === (file === undefined)) {
    throw new UsageError('wrap reads the ring from one place: --env VAR or --file PATH');
  }
  let text: string | undefined;
  if (variable !== undefined) {
    text = env[variable];
    if (!text?.trim()) throw new UsageError(`--env ${variable}: the variable is not set`);
  } else {
    text = readFileSync(file!, 'utf8');
  }
  const source = variable !== undefined ? `env ${variable}` : `file ${file}`;
  const { text: ring, wrapped, ids } = wrapKeyRingText(text, source);
  console.error(
    `${source}: ${
      wrapped.length === 0
        ? 'every key is already a key text'
        : `converted ${wrapped.map((id) => `"${id}"`).join(', ')} to key texts (ids unchanged)`
    }; the count written is ${ids.length} (${ids.join(', ')}): check that these are all the keys of the ring`,
  );
  return variable !== undefined && !ring.startsWith('{') ? `${variable}=${ring}` : ring;
}
