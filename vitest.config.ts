import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    {
      // The email templates are imported as strings, as esbuild's text loader bundles them (serverless.yml).
      name: "mail-templates-as-text",
      enforce: "pre",
      load(id) {
        if (/[\\/]lib[\\/]mail[\\/]templates[\\/][^\\/]+\.(?:txt|html)$/.test(id)) {
          return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
        }
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    setupFiles: ["test/helpers/env.ts"],
    pool: "forks",
    // End-to-end files start their own offline stacks; two at a time suits 2 cores.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
