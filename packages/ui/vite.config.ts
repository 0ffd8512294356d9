import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The server serves dist/ at `/`, so asset URLs are absolute from the root.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      // @railyard/api's modules only define things, but its package.json doesn't say so; without
      // this the SDK's error classes and helpers would bring every route table and typebox
      // (~80 KB) along.
      treeshake: {
        moduleSideEffects: (id: string) => !/[\\/]packages[\\/]api[\\/]/.test(id),
        // The contract's schemas are built with pure `Type.*` calls; unused ones can go.
        manualPureFunctions: ['Type'],
      },
    },
  },
  server: {
    // `npm run dev -w @railyard/ui` next to `railyard server` on :5000.
    proxy: {
      '/api': 'http://127.0.0.1:5000',
      '/ajax-api': 'http://127.0.0.1:5000',
      '/get-artifact': 'http://127.0.0.1:5000',
    },
  },
})
