// Gives a user roles as an operator does (`npm run grant-role`): through the
// same store write, with its roles_changed event.
import { writeRolesByOperator } from "../../lib/admin/account-writes.js";

export async function grantRoles(userId: string, roles: string[]): Promise<void> {
  const outcome = await writeRolesByOperator(userId, roles, { userId, type: "roles_changed", at: Date.now() });
  if (outcome !== "done") throw new Error(`could not grant roles: ${outcome}`);
}
