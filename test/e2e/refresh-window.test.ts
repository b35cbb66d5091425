// The grace window's edges over HTTP, each on a stack of its own (one after
// the other): a short window (1 s) to see the predecessor expire, and 0
// (strict), on a stack whose sessions also last 4 s at most (SESSION_MAX_AGE_SECONDS).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, type Client } from "../helpers/client.js";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { startStack, type Stack } from "../helpers/stack.js";

function onStack(env: Record<string, string>) {
  const ctx = {} as { stack: Stack; api: Client };
  beforeAll(async () => {
    ctx.stack = await startStack({ env });
    ctx.api = client(ctx.stack.baseUrl);
  });
  afterAll(async () => {
    await ctx.stack?.stop();
  });
  return ctx;
}

async function signup(api: Client) {
  const reply = await api.post("/auth/signup", { email: uniqueEmail(), password: PASSWORD });
  expect(reply.status).toBe(201);
  return reply.body as { accessToken: string; refreshToken: string };
}

const status = async (reply: Promise<{ status: number }>) => (await reply).status;

describe("with a 1 s window", () => {
  const ctx = onStack({ REFRESH_REUSE_GRACE_SECONDS: "1" });

  it("the predecessor after the window ends the chain: the live refresh token and the access tokens get 401", async () => {
    const { api } = ctx;
    const first = await signup(api);
    const second = (await api.post("/auth/refresh", { refreshToken: first.refreshToken })).body;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await status(api.post("/auth/refresh", { refreshToken: first.refreshToken }))).toBe(401);
    expect(await status(api.post("/auth/refresh", { refreshToken: second.refreshToken }))).toBe(401);
    expect(await status(api.get("/users/me", { token: second.accessToken }))).toBe(401);
  });

  it("a live token used after the window still rotates", async () => {
    const { api } = ctx;
    const first = await signup(api);
    const second = (await api.post("/auth/refresh", { refreshToken: first.refreshToken })).body;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const third = await api.post("/auth/refresh", { refreshToken: second.refreshToken });
    expect(third.status).toBe(200);
    expect(await status(api.get("/users/me", { token: third.body.accessToken }))).toBe(200);
  });
});

describe("with the window off (0), and sessions of at most 4 s", () => {
  const ctx = onStack({ REFRESH_REUSE_GRACE_SECONDS: "0", SESSION_MAX_AGE_SECONDS: "4" });

  it("a repeated refresh ends the chain at once", async () => {
    const { api } = ctx;
    const first = await signup(api);
    const second = (await api.post("/auth/refresh", { refreshToken: first.refreshToken })).body;
    expect(await status(api.post("/auth/refresh", { refreshToken: first.refreshToken }))).toBe(401);
    expect(await status(api.post("/auth/refresh", { refreshToken: second.refreshToken }))).toBe(401);
    expect(await status(api.get("/users/me", { token: second.accessToken }))).toBe(401);
  });

  it("a session refreshed every second still ends 4 s after signin: refresh 401, access token 401", async () => {
    const { api } = ctx;
    const started = Date.now();
    let session = await signup(api);
    const signedUpAt = Date.now(); // the session's createdAt is no later than this
    // Two refreshes, well inside the 4 s (a loaded CI machine answers slowly).
    while (Date.now() - started < 1400) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const next = await api.post("/auth/refresh", { refreshToken: session.refreshToken });
      expect(next.status).toBe(200);
      session = next.body;
    }
    expect(await status(api.get("/users/me", { token: session.accessToken }))).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, signedUpAt + 4300 - Date.now()));
    expect(await status(api.get("/users/me", { token: session.accessToken }))).toBe(401);
    expect(await status(api.post("/auth/refresh", { refreshToken: session.refreshToken }))).toBe(401);
  });
});
