// The client library as an app gets it: `npm pack` in client/ (its prepack
// builds dist/), the tarball installed offline into a fresh ES-module project,
// imported there BY NAME by a plain Node script that signs up, signs in, reads
// the profile, refreshes and signs out against the real local stack; and the
// package's own declarations type-check a TypeScript file by name, under both
// module resolutions an app uses.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { startStack, type Stack } from "../helpers/stack.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);
/** The environment without what an enclosing `npm run` sets (npm_config_*...), which would steer the inner npm. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")));

let stack: Stack;
let work: string;
let app: string;
let packed: { filename: string; files: { path: string }[] };

/** Packs the client (its prepack builds it) and installs the tarball into a new project, offline: it has no dependencies to fetch. */
async function packAndInstall(): Promise<void> {
  work = mkdtempSync(join(tmpdir(), "auth-client-package-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: join(root, "client"), env: cleanEnv });
  [packed] = JSON.parse(stdout) as (typeof packed)[];
  app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "fresh-app", version: "1.0.0", private: true, type: "module" }));
  await run("npm", ["install", join(work, packed.filename), "--offline", "--no-audit", "--no-fund"], { cwd: app, env: cleanEnv });
}

beforeAll(async () => {
  [stack] = await Promise.all([startStack(), packAndInstall()]);
});
afterAll(async () => {
  await stack?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const installed = () => join(app, "node_modules/@lambda-auth-api/client");

describe("the packed client", () => {
  it("holds the built files, the README and package.json only: no sources, no tests", () => {
    const paths = packed.files.map((file) => file.path).sort();
    expect(paths).toEqual(expect.arrayContaining(["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/passkeys-browser.js", "dist/passkeys-browser.d.ts", "dist/openapi.d.ts"]));
    expect(paths.filter((path) => !path.startsWith("dist/") && path !== "package.json" && path !== "README.md")).toEqual([]);
    expect(paths.filter((path) => /(^|\/)src\/|test|\.ts$(?<!\.d\.ts)/.test(path))).toEqual([]);
    // The React bindings: an entry point of their own.
    expect(paths).toEqual(expect.arrayContaining(["dist/react.js", "dist/react.d.ts"]));
  });

  it("has no dependencies: its package.json lists none, and its modules import nothing but their own files (and the optional peer)", async () => {
    const manifest = JSON.parse(readFileSync(join(installed(), "package.json"), "utf8"));
    expect(manifest.name).toBe("@lambda-auth-api/client");
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependenciesMeta).toEqual({ "@simplewebauthn/browser": { optional: true }, react: { optional: true } });
    // Which packages each entry point reaches outside itself, read off the installed files by esbuild.
    const externalImports = async (entry: string) => {
      const { metafile } = await build({ entryPoints: [join(installed(), entry)], bundle: true, write: false, packages: "external", metafile: true, format: "esm", logLevel: "silent" });
      return Object.values(metafile.inputs).flatMap((input) => input.imports.filter((imported) => imported.external).map((imported) => imported.path));
    };
    expect(await externalImports("dist/index.js")).toEqual([]);
    expect(await externalImports("dist/passkeys-browser.js")).toEqual(["@simplewebauthn/browser"]);
    expect(await externalImports("dist/react.js")).toEqual(["react"]);
  });

  it("a Node script imports it by name and signs up, signs in, reads the profile, refreshes and signs out against the stack", async () => {
    writeFileSync(
      join(app, "flow.mjs"),
      `
import { AuthClient, memoryStorage, SessionEndedError, UnauthorizedError } from "@lambda-auth-api/client";

const { BASE_URL, EMAIL, PASSWORD } = process.env;
const steps = {};

const newcomer = new AuthClient({ baseUrl: BASE_URL });
const signup = await newcomer.signUp({ email: EMAIL, password: PASSWORD });
steps.signUp = { email: signup.user.email, kept: (await newcomer.getSession())?.user.email };

const auth = new AuthClient({ baseUrl: BASE_URL, storage: memoryStorage() });
try {
  await auth.signIn({ email: EMAIL, password: PASSWORD + "!" });
} catch (error) {
  steps.wrongPassword = { unauthorized: error instanceof UnauthorizedError, code: error.code };
}
const signin = await auth.signIn({ email: EMAIL, password: PASSWORD });
steps.signIn = { status: signin.status, email: signin.session.user.email };
steps.me = (await auth.me.get()).user.email;

const before = await auth.getSession();
const refreshed = await auth.refresh();
steps.refresh = { newAccessToken: refreshed.accessToken !== before.accessToken, newRefreshToken: refreshed.refreshToken !== before.refreshToken };
steps.meAfterRefresh = (await auth.me.get()).user.email;

await auth.signOut();
steps.signedOut = (await auth.getSession()) === null;
try {
  await auth.me.get();
} catch (error) {
  steps.afterSignOut = error instanceof SessionEndedError;
}
// The API ended it too: its refresh token no longer works.
const reuse = await fetch(BASE_URL + "/auth/refresh", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ refreshToken: refreshed.refreshToken }) });
steps.refreshAfterSignOut = reuse.status;
console.log(JSON.stringify(steps));
`,
    );
    const email = uniqueEmail("package");
    const { stdout } = await run(process.execPath, ["flow.mjs"], { cwd: app, env: { ...cleanEnv, BASE_URL: stack.baseUrl, EMAIL: email, PASSWORD } });
    expect(JSON.parse(stdout)).toEqual({
      signUp: { email, kept: email },
      wrongPassword: { unauthorized: true, code: "invalid_credentials" },
      signIn: { status: "signed-in", email },
      me: email,
      refresh: { newAccessToken: true, newRefreshToken: true },
      meAfterRefresh: email,
      signedOut: true,
      afterSignOut: true,
      refreshAfterSignOut: 401,
    });
  }, 60_000);

  it("the passkey entry point needs only its optional peer, and says so when it is missing", async () => {
    const attempt = run(process.execPath, ["--input-type=module", "-e", 'await import("@lambda-auth-api/client/passkeys-browser")'], { cwd: app, env: cleanEnv });
    await expect(attempt).rejects.toMatchObject({ stderr: expect.stringContaining("Cannot find package '@simplewebauthn/browser'") });
  });

  it.each([
    ["node16", "node16"],
    ["bundler", "esnext"],
  ])("its declarations type-check an app's TypeScript by name (moduleResolution %s), the package's own .d.ts files included", async (moduleResolution, module) => {
    writeFileSync(
      join(app, "check.ts"),
      `
import { AuthClient, NetworkError, UnauthorizedError, type SigninResult, type User } from "@lambda-auth-api/client";
import type { signInWithPasskey } from "@lambda-auth-api/client/passkeys-browser";

const auth = new AuthClient({ baseUrl: "http://localhost:3000" });
const result: SigninResult = await auth.signIn({ email: "ada@example.com", password: "correct horse battery staple" });
if (result.status === "mfa-required") await auth.verifyMfa({ mfaToken: result.mfaToken, factor: "totp", code: "123456" });
const user: User = (await auth.me.get()).user;
export const email: string = user.email;
export const offline = (error: unknown): boolean => error instanceof NetworkError && error.code === "network_error";
export const refused = (error: unknown): boolean => error instanceof UnauthorizedError && error.status === 401;
export type PasskeySignin = typeof signInWithPasskey;
// Unused, these directives fail the check: the types are the package's, not \`any\`.
// @ts-expect-error: no such route
auth.me.nothing();
// @ts-expect-error: signin needs a password
await auth.signIn({ email: "ada@example.com" });
`,
    );
    const config = {
      compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: "ES2022", module, moduleResolution, lib: ["ES2022", "DOM"], types: [] },
      files: ["check.ts"],
    };
    writeFileSync(join(app, `tsconfig.${moduleResolution}.json`), JSON.stringify(config));
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const checked = await run(process.execPath, [tsc, "-p", `tsconfig.${moduleResolution}.json`], { cwd: app, env: cleanEnv }).then(
      () => "",
      (error: { stdout: string }) => error.stdout,
    );
    expect(checked).toBe("");
  }, 60_000);
});
