// dist/cjs holds CommonJS under a "type": "module" package: this file tells Node and TypeScript so.
import { writeFileSync } from 'node:fs';

writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
