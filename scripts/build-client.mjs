// `npm run build:client` (and `npm pack` in client/, by its prepack): the
// client library as the package publishes it, in client/dist (or the folder
// after `--outdir`). The JavaScript is esbuild's: one ES module per entry
// point of client/package.json's "exports", its shared code in chunks, every
// import relative with its extension, as Node's ESM loader needs. The
// declarations are tsc's (client/tsconfig.build.json), next to them. Silent
// on success, as tsc is (`npm pack --json` prints its JSON to the same stdout).
import { spawnSync } from "node:child_process";
import { copyFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const clientRoot = fileURLToPath(new URL("../client/", import.meta.url));
const ENTRY_POINTS = ["index", "passkeys-browser", "react"];
/** The only imports that may leave the package: each entry point's optional peer, from that entry only. */
const OPTIONAL_PEERS = { "passkeys-browser": "@simplewebauthn/browser", react: "react" };

const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = values.outdir ?? join(clientRoot, "dist");

rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: ENTRY_POINTS.map((name) => join(clientRoot, "src", `${name}.ts`)),
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: Object.values(OPTIONAL_PEERS),
  metafile: true,
  logLevel: "warning",
});

// The package promises no runtime dependencies: fail the build, not an app, if one slips in.
for (const [file, output] of Object.entries(metafile.outputs)) {
  const entry = output.entryPoint?.match(/src\/([\w-]+)\.ts$/)?.[1];
  const allowed = entry && Object.hasOwn(OPTIONAL_PEERS, entry) ? [OPTIONAL_PEERS[entry]] : [];
  for (const { path, external } of output.imports) {
    if (external && !allowed.includes(path)) throw new Error(`${file} imports ${path}: the client must not have runtime dependencies`);
  }
}

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const declarations = spawnSync(process.execPath, [tsc, "-p", join(clientRoot, "tsconfig.build.json"), "--outDir", outdir], { stdio: "inherit" });
if (declarations.status !== 0) process.exit(declarations.status ?? 1);
// tsc emits no file for a .d.ts input; types.d.ts imports the generated API types from here.
copyFileSync(join(clientRoot, "src", "openapi.d.ts"), join(outdir, "openapi.d.ts"));

