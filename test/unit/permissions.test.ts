// ROLE_PERMISSIONS: which permissions each role grants, read once at cold start.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { permissionsOf } from "../../lib/users/roles.js";

const rolesModule = JSON.stringify(fileURLToPath(new URL("../../lib/users/roles.ts", import.meta.url)));

/** permissionsOf(roles) in a fresh process whose environment has ROLE_PERMISSIONS = `value`. */
function permissionsWith(value: string, roles: string[]) {
  const code = `const { permissionsOf } = await import(${rolesModule}); console.log(JSON.stringify(permissionsOf(${JSON.stringify(roles)})));`;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    env: { ...process.env, ROLE_PERMISSIONS: value },
    encoding: "utf8",
  });
  return { status: child.status, permissions: child.status === 0 ? JSON.parse(child.stdout) : undefined, stderr: child.stderr };
}

describe("permissions of roles", () => {
  it("by default: moderators read moderator messages, admins read both, users nothing", () => {
    expect(permissionsOf(["user"])).toEqual([]);
    expect(permissionsOf(["user", "moderator"])).toEqual(["read:moderator-messages"]);
    expect(permissionsOf(["admin", "moderator", "user"])).toEqual(["read:admin-messages", "read:moderator-messages"]);
  });

  it("never reads a permission from the object's prototype", () => {
    expect(permissionsOf(["constructor", "__proto__", "toString"])).toEqual([]);
  });

  it("come from ROLE_PERMISSIONS when it is set", () => {
    expect(permissionsWith('{"user":["read:profile"],"admin":["users:write","read:profile"]}', ["user", "admin"]).permissions).toEqual([
      "read:profile",
      "users:write",
    ]);
  });

  it("refuse to start on a malformed ROLE_PERMISSIONS", () => {
    for (const value of ["not json", "[]", '{"admin":"read:all"}', '{"admin":[1]}', '{"admin":[""]}']) {
      const run = permissionsWith(value, ["admin"]);
      expect(run.status, value).not.toBe(0);
      expect(run.stderr).toContain("ROLE_PERMISSIONS must be");
    }
  });
});
