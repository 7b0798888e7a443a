#!/usr/bin/env node
// Committed so that npm can link the bin before dist/ exists (a workspace checkout); loads the built CLI.
import('../dist/esm/cli/main.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/esm/cli/main.js')) throw error;
  console.error('nestjs-token-auth: the package is not built; run `npm run build` in the repository first');
  process.exitCode = 1;
});
