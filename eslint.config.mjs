import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      'media/vendor/',
      'media/dist/',
      '.package/',
      '.e2e-tools/',
      '.vscode-test/',
      'test-results/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // onnxruntime-node starts its own telemetry unless told not to before its first session.
    files: ['**/*.ts'],
    ignores: ['server/src/engine/onnx/runtime.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'onnxruntime-node',
              message: 'Import server/src/engine/onnx/runtime: it turns the telemetry off first.',
            },
          ],
        },
      ],
    },
  },
  {
    // Long functions hide their phases: name them (tests and generated code aside).
    files: ['client/**/*.ts', 'server/**/*.ts', 'shared/**/*.ts', 'media/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The language service, the config model and the space model are pure: text in, plain
    // results out. (Which folder may import which: .dependency-cruiser.cjs.)
    files: ['server/src/language/**/*.ts', 'server/src/config/**/*.ts', 'server/src/space/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'The language service must not depend on VS Code.' },
            {
              name: 'vscode-languageserver',
              message:
                'Use vscode-languageserver-types only; the connection lives in server/src/lsp.',
            },
            { name: 'fs', message: 'I/O comes in through the service options.' },
            { name: 'node:fs', message: 'I/O comes in through the service options.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'bin/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        __dirname: 'readonly',
        module: 'writable',
        Buffer: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
