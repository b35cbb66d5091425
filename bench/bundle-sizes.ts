// Bundle size of every function (esbuild metafile), with its largest contributors.
import { bundle, contributors, functionEntries } from "./bundle.js";
import { fmt } from "./measure.js";
import type { Section } from "./run.js";

export async function run(): Promise<Section> {
  const lines = ["| function | minified (KiB) | largest contributors (KiB) |", "|---|---:|---|"];
  for (const { name, entry } of functionEntries()) {
    const { bytes, metafile } = await bundle(name, entry);
    const top = contributors(metafile)
      .slice(0, 4)
      .map(([pkg, size]) => `${pkg} ${fmt(size / 1024, 0)}`)
      .join(", ");
    lines.push(`| ${name} | ${fmt(bytes / 1024, 0)} | ${top} |`);
  }
  return { title: "Bundle sizes", lines, goals: [] };
}
