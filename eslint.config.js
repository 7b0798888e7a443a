// ESLint for the whole repository: typescript-eslint's recommended rules, import cycles, and the library's layers.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SRC = './libs/token-auth/src';

/**
 * The library's folders from the bottom up: a folder imports only from folders before it in this list, and none
 * imports the root (the module, the guard, the service facade, index.ts). A subfolder is a layer of its own. The
 * list is the architecture CONTRIBUTING.md describes: change both together.
 */
export const LIBRARY_LAYERS = [
  'errors',
  'events',
  'format',
  'client',
  'http',
  'keys',
  'revocation',
  'revocation/redis',
  'options',
  'keys/rotation',
  'keys/aws',
  'cli',
  'verification',
  'issuing',
  'sessions',
  'metrics',
  'cookies',
  'websocket',
  'decorators',
  'terminus',
  'testing',
];

/** One zone per layer: its files (specs aside) may not import any later layer, nor the root's files. */
const layerZones = LIBRARY_LAYERS.map((layer, index) => ({
  target: `${SRC}/${layer}/*.ts`,
  from: [`${SRC}/*.ts`, ...LIBRARY_LAYERS.slice(index + 1).map((later) => `${SRC}/${later}/*.ts`)],
  except: [],
  message: `libs/token-auth/src/${layer} sits below that folder (LIBRARY_LAYERS in eslint.config.js, CONTRIBUTING.md).`,
}));

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      'test/consumers/**',
      'libs/token-auth/bin/**',
      'apps/demo/src/spa/public/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['libs/token-auth/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] },
  },
  {
    // nestjs-token-auth/client runs in browsers, workers and Deno: no Node built-in, no Buffer, nothing of Nest.
    // tsconfig.client.json checks the same at compile time.
    files: [
      'libs/token-auth/src/client/*.ts',
      'libs/token-auth/src/format/{attenuated-layout,base64url,caveat-format,caveats,request-path,token-format}.ts',
    ],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(node:|@nestjs/)', message: 'The client entry runs outside Node and Nest.' }] },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require'],
    },
  },
  {
    // The page's script runs in the browser.
    files: ['apps/demo/src/spa/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
