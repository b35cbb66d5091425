// `npm run import-users` against DynamoDB Local: the real CLI as a child process (each format, reruns, bad rows,
// what it prints) and the lib function in process (many users, faults), then the imported users signing in with
// their old passwords, their hashes upgraded to the configured cost, their claims holding against signup.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import bcrypt from "bcryptjs";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { resetPassword } from "../../lib/accounts/password-reset.js";
import { signin } from "../../lib/accounts/signin.js";
import { signup } from "../../lib/accounts/signup.js";
import { listEvents } from "../../lib/audit/event-list.js";
import { importUsers, ImportStoppedError, type RowReport } from "../../lib/import/importer.js";
import { deliverMailJob } from "../../lib/mail/mailer.js";
import { config } from "../../lib/platform/config.js";
import { documentClient } from "../../lib/platform/dynamodb.js";
import { findUserIdByEmail, findUserIdByUsername, getUser } from "../../lib/users/user-store.js";
import { userById } from "../../lib/users/users.js";
import { ensureTables, localClient } from "../../scripts/local-dynamodb.mjs";
import { PASSWORD, uniqueEmail, uniqueUsername } from "../helpers/fixtures.js";
import { linkToken, mailbox } from "../helpers/mailbox.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const endpoint = inject("dynamodbEndpoint");
const dir = mkdtempSync(join(tmpdir(), "import-users-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

// A real $2y$ hash (PHP's password_hash) of "rasmuslerdorf" at cost 10, from PHP's manual.
const PHP_PASSWORD = "rasmuslerdorf";
const PHP_HASH = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";
const OLD = { ten: "old password at cost ten", twelve: "old password at cost twelve" };
let hash10 = "";
let hash12 = "";
beforeAll(async () => {
  hash10 = await bcrypt.hash(OLD.ten, 10);
  hash12 = await bcrypt.hash(OLD.twelve, 12);
});

let files = 0;
function file(lines: string[] | string): string {
  const path = join(dir, `file-${files++}`);
  writeFileSync(path, Array.isArray(lines) ? `${lines.join("\n")}\n` : lines);
  return path;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI, as `npm run import-users -- <args>` runs it, on the test tables (a deployed stage named `test` at the local endpoint). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/import-users.ts", ...args],
      { cwd: root, env: { PATH: process.env.PATH, DYNAMODB_ENDPOINT: endpoint, AWS_REGION: "us-east-1", LOG_LEVEL: "silent", ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const importFile = (path: string, format?: string) => cli(["--file", path, "--stage", "test", ...(format ? ["--format", format] : [])]);

/** The output never holds a hash, nor the salt-and-digest part of one. */
function expectNoHash(run: Run, hashes: string[]) {
  for (const hash of hashes) {
    expect(run.stdout + run.stderr).not.toContain(hash.slice(7));
  }
  expect(run.stdout + run.stderr).not.toMatch(/\$2[aby]\$\d\d\$/);
}

const signsIn = async (email: string, password: string) => (await signin({ email, password })).user;
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
const stored = async (email: string) => getUser((await findUserIdByEmail(email))!);

describe("npm run import-users, native format", () => {
  const emails = { a: uniqueEmail("imp-a"), b: uniqueEmail("imp-b"), c: uniqueEmail("imp-c"), d: uniqueEmail("imp-d") };
  const username = uniqueUsername("imp");
  let path = "";
  let first: Run;

  beforeAll(async () => {
    path = file([
      JSON.stringify({ email: emails.a.toUpperCase(), emailVerified: true, passwordHash: hash10, username, name: "Ada", roles: ["admin"], createdAt: "2020-02-03T04:05:06.789Z" }),
      JSON.stringify({ email: emails.b, passwordHash: hash12 }),
      JSON.stringify({ email: emails.c, passwordHash: PHP_HASH, createdAt: "2019-01-01 00:00:00+00" }),
      JSON.stringify({ email: emails.d, name: "No Password" }),
      JSON.stringify({ email: "not-an-email", passwordHash: hash10 }),
      JSON.stringify({ email: uniqueEmail("imp-bad"), passwordHash: "5f4dcc3b5aa765d61d8327deb882cf99" }),
      JSON.stringify({ email: uniqueEmail("imp-bad"), roles: ["root"] }),
      JSON.stringify({ email: uniqueEmail("imp-bad"), createdAt: "last tuesday" }),
      JSON.stringify({ email: emails.a, passwordHash: hash12 }),
      JSON.stringify({ email: uniqueEmail("imp-bad"), username: "x" }),
      `{"email": "${uniqueEmail("imp-bad")}", "passwordHash": "${hash10}"`,
      "",
    ]);
    first = await importFile(path);
  }, 60_000);

  it("prints each bad row by line with its reason, then the counts; never a hash", () => {
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split("\n").sort();
    expect(lines).toEqual(
      [
        "line 5: email must be a valid email address",
        "line 6: passwordHash is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)",
        "line 7: roles must be a list of user, moderator, admin",
        "line 8: createdAt must be a time such as 2024-05-01T12:00:00Z",
        "line 9: email appears again (first on line 1)",
        "line 10: username must be 3-32 letters, digits, '_', '.' or '-', starting with a letter or digit",
        "line 11: is not valid JSON",
        "line 1: imported with the role admin",
        "imported: 4, skipped: 0, failed: 7",
      ].sort(),
    );
    expectNoHash(first, [hash10, hash12, PHP_HASH]);
  });

  it("stores each user as given: the hash unchanged, canonical email, username, name, roles with user, createdAt, emailVerified", async () => {
    const a = await stored(emails.a);
    expect(a).toMatchObject({ email: emails.a, passwordHash: hash10, username, name: "Ada", emailVerified: true, createdAt: "2020-02-03T04:05:06.789Z" });
    expect(a!.roles.sort()).toEqual(["admin", "user"]);
    expect(await stored(emails.b)).toMatchObject({ passwordHash: hash12, roles: ["user"], emailVerified: false });
    expect(await stored(emails.c)).toMatchObject({ passwordHash: PHP_HASH, createdAt: "2019-01-01T00:00:00.000Z" });
    expect(await userById((await findUserIdByEmail(emails.d))!)).toMatchObject({ email: emails.d, name: "No Password", hasPassword: false, emailVerified: false });
    expect(await userById(a!.userId)).toMatchObject({ hasPassword: true, emailVerified: true, createdAt: "2020-02-03T04:05:06.789Z" });
  });

  it("signs each user in with the old password ($2b$ at 10 and 12, PHP's $2y$), by email or username", async () => {
    expect(await signsIn(emails.a, OLD.ten)).toMatchObject({ email: emails.a });
    expect(await signsIn(emails.b, OLD.twelve)).toMatchObject({ email: emails.b });
    expect(await signsIn(emails.c, PHP_PASSWORD)).toMatchObject({ email: emails.c });
    expect((await signin({ username: username.toUpperCase(), password: OLD.ten })).user.email).toBe(emails.a);
    expect(await rejectionOf(signin({ email: emails.b, password: OLD.ten }))).toMatchObject({ code: "invalid_credentials" });
    expect(await rejectionOf(signin({ email: emails.d, password: PASSWORD }))).toMatchObject({ code: "invalid_credentials" });
  });

  it("claims the emails and usernames: a signup with either gets email_taken / username_taken", async () => {
    expect(await rejectionOf(signup({ email: emails.a, password: PASSWORD }))).toMatchObject({ code: "email_taken" });
    expect(await rejectionOf(signup({ email: emails.d, password: PASSWORD }))).toMatchObject({ code: "email_taken" });
    expect(await rejectionOf(signup({ email: uniqueEmail("imp-other"), password: PASSWORD, username: username.toUpperCase() }))).toMatchObject({ code: "username_taken" });
    expect(await findUserIdByUsername(username)).toBe((await stored(emails.a))!.userId);
    // The failed rows left nothing behind.
    expect(await findUserIdByEmail("not-an-email")).toBeUndefined();
  });

  it("imports nothing twice: a rerun skips every imported row and reports the same bad ones", async () => {
    const before = await stored(emails.a);
    const again = await importFile(path);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("imported: 0, skipped: 4, failed: 7");
    expect(again.stdout).toContain("line 9: email appears again (first on line 1)");
    expect(await stored(emails.a)).toEqual(before);
    expectNoHash(again, [hash10, hash12, PHP_HASH]);
    // One `imported` event, the oldest, from the first run: the rerun wrote none.
    const { events } = await listEvents(before!.userId, { limit: 50 }, { mustExist: true });
    expect(events.filter((event) => event.type === "imported")).toHaveLength(1);
    expect(events.at(-1)!.type).toBe("imported");
  }, 60_000);
});

describe("npm run import-users, other sources", () => {
  it("supabase: a CSV as psql's \\copy writes it, and JSON rows; a confirmed email is verified, '' is no password", async () => {
    const [a, b, c, phone] = [uniqueEmail("sb-a"), uniqueEmail("sb-b"), uniqueEmail("sb-c"), undefined];
    const hash2a = `$2a$${hash10.slice(4)}`; // Supabase's (Go's) prefix
    const csv = file([
      "instance_id,id,aud,role,email,encrypted_password,email_confirmed_at,created_at,raw_user_meta_data,phone,deleted_at",
      `,${randomUUID()},authenticated,authenticated,${a},${hash2a},2024-01-02 03:04:05.123456+00,2024-01-01 00:00:00.5+00,"{""name"": ""A""}",,`,
      `,${randomUUID()},authenticated,authenticated,${b},"",,2024-01-01 00:00:00+00,{},,`,
      `,${randomUUID()},authenticated,authenticated,${phone ?? ""},,,2024-01-01 00:00:00+00,{},15550100,`,
      `,${randomUUID()},authenticated,authenticated,${uniqueEmail("sb-del")},${hash2a},,2024-01-01 00:00:00+00,{},,2024-06-01 00:00:00+00`,
    ]);
    const run = await importFile(csv, "supabase");
    expect(run.stdout).toContain("line 4: email is required (users without one, such as phone-only users, are not imported)");
    expect(run.stdout).toContain("line 5: deleted_at is set: the user was deleted in Supabase");
    expect(run.stdout).toContain("imported: 2, skipped: 0, failed: 2");
    expectNoHash(run, [hash2a]);
    expect(await stored(a)).toMatchObject({ passwordHash: hash2a, emailVerified: true, createdAt: "2024-01-01T00:00:00.500Z" });
    expect(await signsIn(a, OLD.ten)).toMatchObject({ email: a });
    expect(await userById((await findUserIdByEmail(b))!)).toMatchObject({ hasPassword: false, emailVerified: false });

    const json = file([JSON.stringify({ id: randomUUID(), email: c, encrypted_password: hash2a, email_confirmed_at: null, created_at: "2023-05-06T07:08:09.123456+00:00" })]);
    const fromJson = await importFile(json, "supabase");
    expect(fromJson.stdout).toContain("imported: 1, skipped: 0, failed: 0");
    expect(await stored(c)).toMatchObject({ emailVerified: false, createdAt: "2023-05-06T07:08:09.123Z" });
    expect(await signsIn(c, OLD.ten)).toMatchObject({ email: c });
    expect((await importFile(csv, "supabase")).stdout).toContain("imported: 0, skipped: 2, failed: 2");
  }, 60_000);

  it("auth0: its NDJSON export with passwordHash or a bcrypt custom_password_hash; other algorithms fail the row", async () => {
    const [a, b, c] = [uniqueEmail("a0-a"), uniqueEmail("a0-b"), uniqueEmail("a0-c")];
    const username = uniqueUsername("a0");
    const ndjson = file([
      JSON.stringify({ user_id: "auth0|1", email: a, email_verified: true, passwordHash: hash12, name: "Grace", username, created_at: "2021-03-04T12:00:00.000Z" }),
      JSON.stringify({ email: b, email_verified: false, custom_password_hash: { algorithm: "bcrypt", hash: { value: PHP_HASH } } }),
      JSON.stringify({ email: uniqueEmail("a0-x"), custom_password_hash: { algorithm: "pbkdf2", hash: { value: "c2FsdA", encoding: "base64" } } }),
      JSON.stringify({ email: c, email_verified: true, blocked: true, passwordHash: hash10 }),
    ]);
    const run = await importFile(ndjson, "auth0");
    expect(run.stdout).toContain("line 3: custom_password_hash uses pbkdf2: only bcrypt hashes can be kept");
    expect(run.stdout).toContain("imported: 3, skipped: 0, failed: 1");
    expectNoHash(run, [hash10, hash12, PHP_HASH]);
    expect(await stored(a)).toMatchObject({ name: "Grace", username, emailVerified: true, createdAt: "2021-03-04T12:00:00.000Z", passwordHash: hash12 });
    expect(await signsIn(a, OLD.twelve)).toMatchObject({ email: a });
    expect(await signsIn(b, PHP_PASSWORD)).toMatchObject({ email: b });
    // Blocked at Auth0, disabled here: the right password gets 403.
    expect(await rejectionOf(signin({ email: c, password: OLD.ten }))).toMatchObject({ code: "account_disabled" });
    expect((await importFile(ndjson, "auth0")).stdout).toContain("imported: 0, skipped: 3, failed: 1");
  }, 60_000);

  it("reaches the database of `npm start` through AUTH_DATA_DIR, as grant-role does", async () => {
    await ensureTables(endpoint, "local");
    const dataDir = mkdtempSync(join(dir, "data-"));
    writeFileSync(join(dataDir, "dynamodb-endpoint"), endpoint);
    const email = uniqueEmail("local");
    const run = await cli(["--file", file(JSON.stringify([{ email, passwordHash: hash10 }]))], { AUTH_DATA_DIR: dataDir });
    expect(run.stdout).toContain("imported: 1, skipped: 0, failed: 0");
    const client = localClient(endpoint);
    const claim = await client.send(new GetItemCommand({ TableName: "auth-api-local-users", Key: { pk: { S: `EMAIL#${email}` } } }));
    client.destroy();
    expect(claim.Item?.userId?.S).toMatch(/^[0-9a-f-]{36}$/);
  }, 60_000);

  it("refuses a missing file or an unknown format with its usage, exit 1", async () => {
    const missing = await importFile(join(dir, "nothing-here"));
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain("cannot read");
    const format = await importFile(file("[]"), "okta");
    expect(format).toMatchObject({ code: 1 });
    expect(format.stderr).toContain("--format must be one of native, supabase, auth0");
  }, 60_000);
});

/** The lib function on an in-memory file, every row's report kept. */
async function importText(text: string, options: { batchSize?: number; concurrency?: number; maxAttempts?: number } = {}) {
  const reports: RowReport[] = [];
  const counts = await importUsers(Readable.from([text]), { format: "native", onRow: (report) => reports.push(report), ...options });
  return { counts, failed: reports.filter((r) => r.outcome !== "imported").sort((x, y) => x.line - y.line) };
}

describe("importUsers, batched", () => {
  it("writes 500 users in batched transactions side by side, then only the new ones of a longer file", async () => {
    const prefix = randomUUID().slice(0, 8);
    const rows = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ email: `many-${prefix}-${i}@example.com`, username: `many_${prefix}_${i}` }));
    expect((await importText(rows(500).join("\n"), { batchSize: 25, concurrency: 8 })).counts).toEqual({ imported: 500, skipped: 0, failed: 0 });
    expect((await importText(rows(550).join("\n"), { batchSize: 25, concurrency: 8 })).counts).toEqual({ imported: 50, skipped: 500, failed: 0 });
    expect(await findUserIdByUsername(`many_${prefix}_549`)).toBe(await findUserIdByEmail(`many-${prefix}-549@example.com`));
  }, 60_000);

  it("fails a row whose username another account holds, and writes the others of its transaction", async () => {
    const taken = uniqueUsername("taken");
    await signup({ email: uniqueEmail("holder"), password: PASSWORD, username: taken });
    const [a, b, c] = [uniqueEmail("bt-a"), uniqueEmail("bt-b"), uniqueEmail("bt-c")];
    const text = [{ email: a }, { email: b, username: taken }, { email: c }].map((row) => JSON.stringify(row)).join("\n");
    const { counts, failed } = await importText(text);
    expect(counts).toEqual({ imported: 2, skipped: 0, failed: 1 });
    expect(failed).toEqual([{ line: 2, outcome: "failed", reason: "username is already taken by another account" }]);
    expect(await findUserIdByEmail(b)).toBeUndefined();
    expect(await findUserIdByEmail(a)).toBeDefined();
    expect(await findUserIdByEmail(c)).toBeDefined();
  });

  it("retries throttled and conflicting transactions, and stops, resumably, when the database stays unavailable", async () => {
    // DynamoDB Local never throttles: the service's answers are given by the SDK's own error shapes.
    const send = documentClient.send.bind(documentClient);
    const throttled = () => Object.assign(new Error("throttled"), { name: "TransactionCanceledException", CancellationReasons: [{ Code: "ThrottlingError" }, { Code: "None" }] });
    const conflict = () => Object.assign(new Error("conflict"), { name: "TransactionCanceledException", CancellationReasons: [{ Code: "TransactionConflict" }, { Code: "None" }] });
    const unavailable = () => Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException", $metadata: { httpStatusCode: 400 } });
    let faults = [throttled(), unavailable(), conflict()];
    const spy = vi.spyOn(documentClient, "send").mockImplementation(((command: unknown) => {
      if (command instanceof TransactWriteCommand && faults.length > 0) return Promise.reject(faults.shift());
      return send(command as never);
    }) as typeof documentClient.send);
    const emails = Array.from({ length: 6 }, () => uniqueEmail("retry"));
    const text = emails.map((email) => JSON.stringify({ email })).join("\n");
    expect((await importText(text, { batchSize: 3, concurrency: 1 })).counts).toEqual({ imported: 6, skipped: 0, failed: 0 });

    const more = Array.from({ length: 6 }, () => uniqueEmail("stopped"));
    const moreText = more.map((email) => JSON.stringify({ email })).join("\n");
    faults = Array.from({ length: 3 }, unavailable);
    const stopped = await rejectionOf(importText(moreText, { batchSize: 3, concurrency: 1, maxAttempts: 3 }));
    expect(stopped).toBeInstanceOf(ImportStoppedError);
    expect((stopped as ImportStoppedError).counts).toEqual({ imported: 0, skipped: 0, failed: 0 });
    spy.mockRestore();
    expect((await importText(moreText)).counts).toEqual({ imported: 6, skipped: 0, failed: 0 });
  });

  it("imports a user without a password, who sets one through the reset email", async () => {
    const email = uniqueEmail("reset");
    expect((await importText(JSON.stringify({ email }))).counts.imported).toBe(1);
    expect(await deliverMailJob({ type: "password-reset-requested", email, jobId: randomUUID(), at: Date.now() })).toBe("sent");
    const [sent] = await mailbox(inject("mailUrl")).waitFor(email, /Reset your/, 1, 5000);
    await resetPassword({ token: linkToken(sent!, config.appUrl, "reset-password"), newPassword: "a brand new passphrase" });
    expect(await signsIn(email, "a brand new passphrase")).toMatchObject({ email, emailVerified: true });
  });
});

describe("imported hashes at a lower cost", () => {
  const configured = process.env.BCRYPT_COST;
  afterAll(() => {
    process.env.BCRYPT_COST = configured;
    vi.resetModules();
  });

  /** The service's modules as a container configured with `cost` loads them (config.ts reads the environment once). */
  async function containerAt(cost: number) {
    vi.resetModules();
    process.env.BCRYPT_COST = String(cost);
    return {
      signin: (await import("../../lib/accounts/signin.js")).signin,
      store: await import("../../lib/users/user-store.js"),
    };
  }
  const hashOf = async (container: Awaited<ReturnType<typeof containerAt>>, email: string) =>
    (await container.store.getUser((await container.store.findUserIdByEmail(email))!))!.passwordHash!;

  it("are made again at the configured cost on the first signin (cost 10 and PHP's $2y$ under 12; cost 12 under 13)", async () => {
    const [ten, twelve, php] = [uniqueEmail("cost10"), uniqueEmail("cost12"), uniqueEmail("cost-2y")];
    const text = [{ email: ten, passwordHash: hash10 }, { email: twelve, passwordHash: hash12 }, { email: php, passwordHash: PHP_HASH }];
    expect((await importText(text.map((row) => JSON.stringify(row)).join("\n"))).counts.imported).toBe(3);

    const at12 = await containerAt(12);
    await at12.signin({ email: ten, password: OLD.ten });
    await at12.signin({ email: twelve, password: OLD.twelve });
    await at12.signin({ email: php, password: PHP_PASSWORD });
    const upgraded = await hashOf(at12, ten);
    expect(bcrypt.getRounds(upgraded)).toBe(12);
    expect(await bcrypt.compare(OLD.ten, upgraded)).toBe(true);
    expect(await hashOf(at12, twelve)).toBe(hash12); // already at the cost: kept
    const phpUpgraded = await hashOf(at12, php);
    expect(phpUpgraded).toMatch(/^\$2b\$12\$/);
    expect(await bcrypt.compare(PHP_PASSWORD, phpUpgraded)).toBe(true);
    // And the old passwords still sign in against the new hashes.
    expect((await at12.signin({ email: ten, password: OLD.ten })).user.email).toBe(ten);

    const at13 = await containerAt(13);
    await at13.signin({ email: twelve, password: OLD.twelve });
    const twelveUpgraded = await hashOf(at13, twelve);
    expect(bcrypt.getRounds(twelveUpgraded)).toBe(13);
    expect(await bcrypt.compare(OLD.twelve, twelveUpgraded)).toBe(true);
  }, 60_000);
});
