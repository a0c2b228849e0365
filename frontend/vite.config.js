import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Relative asset URLs: the engine writes a <base href> (the ingress prefix or "/") into the page.
export default defineConfig({
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../addon/aetherlens_engine/web/static', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  test: {
    include: ['test/**/*.test.js'],
    environment: 'node',
  },
});
