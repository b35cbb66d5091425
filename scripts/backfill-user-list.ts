// npm run backfill-user-list -- [--stage <stage>] [--region <region>]
//
// Upgrade step for users created before the admin's users list existed: gives
// each USER# item the keys of the byCreatedAt index (lib/users/user-list.ts),
// so that GET /users lists it. Idempotent; safe while the API runs. Run it once
// after deploying the version that adds the index (the index must be ACTIVE).
import { parseArgs } from "node:util";
import { openStageDatabase, runScript } from "./stage-database.js";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stage: { type: "string", default: "local" }, region: { type: "string" } } });
  const close = await openStageDatabase(values.stage!, values.region);
  try {
    // Imported after the environment is set: lib/config reads it once.
    const { backfillUserListKeys } = await import("../lib/users/user-store.js");
    const updated = await backfillUserListKeys();
    console.log(`${updated} user(s) added to the users list in stage ${values.stage}`);
  } finally {
    await close();
  }
}

runScript(main);
