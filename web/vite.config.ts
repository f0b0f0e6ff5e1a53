import { defineConfig } from 'vite';

// The console is served by the service itself from web/dist (src/api/console-handler.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
