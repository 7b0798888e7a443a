import { LocalSecretsManager } from './local-secrets-manager.js';

/**
 * Runs the local Secrets Manager endpoint by hand, for trying several demo instances without AWS:
 *   npx tsc --outDir .data/local-secrets-manager --module nodenext --target es2023 --types node \
 *     test/support/secrets-manager/serve.ts && node .data/local-secrets-manager/serve.js
 * Listens on 127.0.0.1:${PORT:-4566}; state lives in memory until the process ends.
 */
const local = new LocalSecretsManager(process.env.AWS_REGION ?? 'us-east-1');
const endpoint = await local.start(Number(process.env.PORT ?? 4566));
console.log(`local Secrets Manager on ${endpoint} (set AWS_SECRETS_MANAGER_ENDPOINT=${endpoint})`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void local.stop());
