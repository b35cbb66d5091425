// npm run import-users -- --file <path> [--format native|supabase|auth0] [--stage <stage>] [--region <region>] [--verbose]
//
// Imports users, with their bcrypt password hashes as they are, into the
// database of `npm start` (or, with --stage, a deployed stage's table with your
// AWS credentials). Prints each failed row as "line N: reason" (and, with
// --verbose, each skipped one), each row imported with a role beyond `user`
// (a file can make admins: the operator sees which), then the counts. Never prints a hash: reasons
// name fields, never their values. Exits 0 when the whole file was read, even
// with failed rows; 1 when it could not be (no such file, database unavailable).
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { parseArgs } from "node:util";
import { openStageDatabase, runScript } from "./stage-database.js";

const usage = "usage: npm run import-users -- --file <path> [--format native|supabase|auth0] [--stage <stage>] [--region <region>] [--verbose]";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      file: { type: "string" },
      format: { type: "string", default: "native" },
      stage: { type: "string", default: "local" },
      region: { type: "string" },
      verbose: { type: "boolean", default: false },
    },
  });
  if (!values.file || positionals.length > 0) throw new Error(usage);
  const format = values.format!;
  await access(values.file).catch(() => {
    throw new Error(`cannot read ${values.file}`);
  });

  const close = await openStageDatabase(values.stage!, values.region);
  // Imported after the environment is set: lib/config reads it once.
  const { isFormatName, FORMAT_NAMES } = await import("../lib/import/formats.js");
  const { importUsers, ImportStoppedError } = await import("../lib/import/importer.js");
  const summary = (counts: { imported: number; skipped: number; failed: number }) =>
    `imported: ${counts.imported}, skipped: ${counts.skipped}, failed: ${counts.failed}`;
  let decided = 0;
  try {
    if (!isFormatName(format)) throw new Error(`--format must be one of ${FORMAT_NAMES.join(", ")}\n${usage}`);
    const counts = await importUsers(createReadStream(values.file), {
      format,
      onRow: ({ line, outcome, reason, grants }) => {
        if (outcome === "failed" || (outcome === "skipped" && values.verbose)) console.log(`line ${line}: ${outcome === "skipped" ? "skipped: " : ""}${reason}`);
        if (grants) console.log(`line ${line}: imported with the role${grants.length > 1 ? "s" : ""} ${grants.join(", ")}`);
        if (++decided % 10_000 === 0) process.stderr.write(`${decided} rows done\n`);
      },
    });
    console.log(summary(counts));
  } catch (error) {
    if (error instanceof ImportStoppedError) console.log(summary(error.counts));
    throw error;
  } finally {
    await close();
  }
}

runScript(main);
