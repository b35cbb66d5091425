// Bundle size of every function (esbuild metafile), with its largest
// contributors, against the floor of a function of its kind bundled the same way.
import { bundle, contributors, functionEntries, type Bundle } from "./bundle.js";
import { fmt } from "./measure.js";
import type { Section } from "./run.js";

const kib = (bytes: number) => fmt(bytes / 1024, 0);

export async function run(): Promise<Section> {
  const floors = {
    authorizer: await bundle("verify-only-authorizer", "bench/fixtures/verify-only-authorizer.ts"),
    data: await bundle("document-client-handler", "bench/fixtures/document-client-handler.ts"),
    http: await bundle("middy-cors-handler", "bench/fixtures/middy-cors-handler.ts"),
  };
  const floorOf = (name: string, b: Bundle) =>
    name === "authorizer" ? floors.authorizer : contributors(b.metafile).some(([pkg]) => pkg === "@aws-sdk/client-dynamodb") ? floors.data : floors.http;
  const top = (b: Bundle) =>
    contributors(b.metafile)
      .slice(0, 4)
      .map(([pkg, size]) => `${pkg} ${kib(size)}`)
      .join(", ");

  const lines = [
    "Each function against the floor of its kind: the verify-only authorizer (the authorizer), one document-client",
    "GetCommand (functions that read or write DynamoDB), or middy with CORS alone (the others).",
    "",
    "| function | minified (KiB) | ratio to its floor | largest contributors (KiB) |",
    "|---|---:|---:|---|",
    ...Object.values(floors).map((b) => `| floor: ${b.name} | ${kib(b.bytes)} | 1.00 | ${top(b)} |`),
  ];
  for (const { name, entry } of functionEntries()) {
    const b = await bundle(name, entry);
    lines.push(`| ${name} | ${kib(b.bytes)} | ${fmt(b.bytes / floorOf(name, b).bytes, 2)} | ${top(b)} |`);
  }
  return { title: "Bundle sizes", lines, goals: [] };
}
