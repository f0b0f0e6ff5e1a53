import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** `npm run lint`: typescript-eslint's type-aware recommended rules on the code, its tests, benches and the web console. */
export default defineConfig(
  { ignores: ['gen/', 'dist/', 'web/dist/', 'data/', 'node_modules/'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'web/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A leading underscore marks a binding left unused on purpose (a positional parameter before a
      // used one, a property dropped from a rest copy).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `async` without `await` is how an implementation of a Promise-returning interface turns a throw
      // into a rejection; the rule would have those written as Promise.resolve/reject by hand.
      '@typescript-eslint/require-await': 'off',
      // An abort passes the signal's reason on as it is (AbortSignal.reason is `any`), and a caught
      // error is passed on as it came: both are someone else's error, not one made here.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // Tests drive @grpc/grpc-js's generic clients, whose messages are untyped, and read raw JSON
    // bodies; what they read is then checked by the assertions themselves.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
