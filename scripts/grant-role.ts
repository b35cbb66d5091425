// npm run grant-role -- [--stage <stage>] <email> <role>
//
// Adds a role to an existing user. Without --stage (or with --stage local) it
// works on the database of `npm start`: the running one if there is one, else
// it starts DynamoDB Local on the same data folder. With another stage it uses
// your AWS credentials and region (AWS_REGION or --region) on that stage's table.
import { parseArgs } from "node:util";
import { openStageDatabase, runScript } from "./stage-database.js";

const usage = "usage: npm run grant-role -- [--stage <stage>] [--region <region>] <email> <role>";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { stage: { type: "string", default: "local" }, region: { type: "string" } },
  });
  const [email, role] = positionals;
  if (!email || !role || positionals.length !== 2) throw new Error(usage);

  const stage = values.stage!;
  const close = await openStageDatabase(stage, values.region);

  // Imported after the environment is set: lib/config reads it once.
  const { isRole, ROLES } = await import("../lib/users/roles.js");
  const store = await import("../lib/users/user-store.js");
  const { normalizeEmail } = await import("../lib/users/email-address.js");
  try {
    if (!isRole(role)) throw new Error(`role must be one of ${ROLES.join(", ")}`);
    const user = await store.findUserByEmail(normalizeEmail(email));
    if (!user) throw new Error(`no user with email ${normalizeEmail(email)} in stage ${stage}`);
    const roles = [...new Set([...user.roles, role])];
    const { writeRolesByOperator } = await import("../lib/admin/account-writes.js");
    await writeRolesByOperator(user.userId, roles, { userId: user.userId, type: "roles_changed", at: Date.now() });
    console.log(`${user.email} now has roles: ${roles.join(", ")}`);
  } finally {
    await close();
  }
}

runScript(main);
