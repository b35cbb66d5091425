// Bundles functions exactly as the deployment does: the esbuild options are
// read from serverless.yml (custom.esbuild), so the numbers are the shipped ones.
import { build, type Metafile } from "esbuild";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const outDir = join(root, ".esbuild", "bench");

const serverless = parse(readFileSync(join(root, "serverless.yml"), "utf8"));
const options = serverless.custom.esbuild;

export interface Bundle {
  name: string;
  file: string;
  bytes: number;
  metafile: Metafile;
}

/** Bundles one entry (a TypeScript file exporting handlers) to `.esbuild/bench/<name>.mjs`. */
export async function bundle(name: string, entry: string): Promise<Bundle> {
  const file = join(outDir, `${name}.mjs`);
  const result = await build({
    entryPoints: [join(root, entry)],
    outfile: file,
    bundle: true,
    minify: options.minify,
    target: options.target,
    platform: options.platform,
    format: options.format,
    banner: options.banner,
    loader: options.loader,
    metafile: true,
    logLevel: "error",
  });
  return { name, file, bytes: result.metafile.outputs[Object.keys(result.metafile.outputs)[0]!]!.bytes, metafile: result.metafile };
}

/** The functions of serverless.yml, each as { name, entry }. */
export function functionEntries(): { name: string; entry: string }[] {
  return Object.entries(serverless.functions as Record<string, { handler: string }>).map(([name, fn]) => ({
    name,
    entry: `${fn.handler.slice(0, fn.handler.lastIndexOf("."))}.ts`,
  }));
}

/** Bytes of a bundle by npm package (or "project"), largest first. */
export function contributors(metafile: Metafile): [string, number][] {
  const output = Object.values(metafile.outputs)[0]!;
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = match ? match[1]! : "project";
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()].sort((a, b) => b[1] - a[1]);
}
