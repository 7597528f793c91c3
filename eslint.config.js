// ESLint: TypeScript rules, no Math.random in src/, and the one-way import direction of
// docs/architecture.md — each folder of src/ may import only the folders listed for it.
import tseslint from 'typescript-eslint';

/** Which src/ folders each folder may import (besides itself). */
const allowed = {
  util: [],
  tensor: ['util'],
  autodiff: ['tensor', 'util'],
  nn: ['autodiff', 'tensor', 'util'],
  optim: ['tensor', 'util'],
  data: ['tensor', 'util'],
  io: ['nn', 'tensor', 'util'],
  rules: ['nn', 'autodiff', 'optim', 'tensor', 'util'],
  train: ['rules', 'nn', 'optim', 'data', 'io', 'tensor', 'util'],
  explain: ['nn', 'autodiff', 'data', 'tensor', 'util'],
};
const folders = [...Object.keys(allowed), 'cli'];

const layerRules = Object.entries(allowed).map(([folder, ok]) => {
  const forbidden = folders.filter((f) => f !== folder && !ok.includes(f));
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: `^(\\.\\./)+(${forbidden.join('|')})(/|$)`, message: `src/${folder} may import only: ${ok.join(', ') || 'nothing of ours'} (docs/architecture.md).` },
          { regex: '^(\\.\\./)+index\\.js$', message: 'Only cli/ and web/ import the public API.' },
        ],
      }],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'build/**', 'node_modules/**', 'src/tensor/kernels/wasm/assembly/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use the seeded Rng (src/util/rng.ts).' }],
    },
  },
  ...layerRules,
  {
    files: ['src/tensor/kernels/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^\\.\\./(tensor|ops|shape)\\.js$', message: 'Kernels see typed arrays and ints only, never Tensor.' },
          { regex: '^(\\.\\./){2,}(?!(\\.\\./)*util/)', message: 'Kernels may import only util/.' },
        ],
      }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '^\\.\\./(?!index\\.js$)', message: 'src/cli imports only the public API (../index.js) and node:*.' }],
      }],
    },
  },
  {
    files: ['web/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '(^|/)src/(?!index)', message: 'web/ imports only the public API (glassbox).' }],
      }],
    },
  },
);
