// Builds the example web app (web/src/pages/*.ts, on the client library) with
// esbuild: one ES module per page and shared chunks. In memory for the local
// server, or written to a folder for a static host.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const webRoot = fileURLToPath(new URL("../web/", import.meta.url));

export async function buildWeb({ outdir = `${webRoot}dist/assets`, write = false } = {}) {
  const pages = readdirSync(`${webRoot}src/pages`).filter((name) => name.endsWith(".ts"));
  const result = await build({
    entryPoints: pages.map((name) => `${webRoot}src/pages/${name}`),
    outdir,
    bundle: true,
    // The web app imports the client package by name, as any app would; this
    // condition points it at the package's TypeScript source instead of dist/.
    conditions: ["lambda-auth-api-source"],
    splitting: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    write,
    logLevel: "warning",
  });
  return result.outputFiles ?? [];
}
