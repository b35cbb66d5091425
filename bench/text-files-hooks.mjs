// Module hooks for bench/text-files.mjs.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export async function load(url, context, nextLoad) {
  if (/\/lib\/mail\/templates\/[^/]+\.(?:txt|html)$/.test(url)) {
    const text = await readFile(fileURLToPath(url), "utf8");
    return { format: "module", source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
