// The client and openapi.yaml cannot drift: the committed types are what the
// generator makes of openapi.yaml now, and the client's route table is
// openapi.yaml's list of routes, with the same protection.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { parse } from "yaml";
import { ROUTES } from "../../client/src/routes.js";
import type * as Types from "../../client/src/types.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "client-types-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("client types and routes against openapi.yaml", () => {
  it("client/src/openapi.d.ts is what `npm run client:types` generates from openapi.yaml", async () => {
    const out = join(scratch, "openapi.d.ts");
    await promisify(execFile)(join(root, "node_modules/.bin/openapi-typescript"), ["openapi.yaml", "-o", out], { cwd: root });
    expect(readFileSync(join(root, "client/src/openapi.d.ts"), "utf8"), "run `npm run client:types` and commit the result").toBe(
      readFileSync(out, "utf8"),
    );
  });

  it("the client has one route function for every route of openapi.yaml, bearer where openapi.yaml asks for a bearer", () => {
    const openapi = parse(readFileSync(join(root, "openapi.yaml"), "utf8"));
    const documented = Object.entries(openapi.paths as Record<string, Record<string, any>>)
      .flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([method]) => ["get", "put", "post", "patch", "delete"].includes(method))
          .map(([method, operation]) => {
            const security = operation.security ?? openapi.security ?? [];
            const bearer = security.some((scheme: Record<string, unknown>) => "bearer" in scheme);
            return `${method.toUpperCase()} ${path} ${bearer ? "bearer" : "none"}`;
          }),
      )
      .sort();
    const inClient = Object.values(ROUTES)
      .map((route) => `${route.method} ${route.path} ${route.auth}`)
      .sort();
    expect(inClient).toEqual(documented);
  });

  it("every body type read off openapi.yaml is a real type (a renamed status or schema would make it never)", () => {
    // Checked by `tsc -p .`: a `never` here fails the type check.
    expectTypeOf<Types.SignupResponse>().not.toBeNever();
    expectTypeOf<Types.UserBody>().not.toBeNever();
    expectTypeOf<Types.UserList>().not.toBeNever();
    expectTypeOf<Types.SessionList>().not.toBeNever();
    expectTypeOf<Types.EventList>().not.toBeNever();
    expectTypeOf<Types.MessageBody>().not.toBeNever();
    expectTypeOf<Types.TextMessage>().not.toBeNever();
    expectTypeOf<Types.JwkSet>().not.toBeNever();
    expectTypeOf<Types.OpenIdConfiguration>().not.toBeNever();
    expectTypeOf<Types.ListQuery>().not.toBeNever();
    expectTypeOf<Types.UserListQuery>().toHaveProperty("email");
    expectTypeOf<Types.MfaStatus>().not.toBeNever();
    expectTypeOf<Types.TotpEnrollment>().toHaveProperty("otpauthUri");
    expectTypeOf<Types.TotpConfirmation>().toHaveProperty("recoveryCodes");
    expectTypeOf<Types.RecoveryCodes["recoveryCodes"]>().toEqualTypeOf<string[]>();
    expectTypeOf<Types.MfaVerifyRequest>().toHaveProperty("mfaToken");
    expectTypeOf<Types.MfaRequiredBody["factors"]>().toEqualTypeOf<Types.MfaFactor[]>();
    expectTypeOf<Types.SessionList["sessions"][number]>().toEqualTypeOf<Types.SessionInfo>();
  });
});
