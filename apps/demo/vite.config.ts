import { defineConfig } from 'vite';

// Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer) in the browser.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
});
