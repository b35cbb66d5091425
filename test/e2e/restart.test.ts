// `npm start` keeps its data on disk: users, sessions and the signing keys survive a restart.
import { afterAll, describe, expect, it } from "vitest";
import { client } from "../helpers/client.js";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { startStack, type Stack } from "../helpers/stack.js";

let stack: Stack | undefined;
afterAll(async () => {
  await stack?.stop();
});

describe("a restart of the local stack", () => {
  it("keeps users, sessions and the signing keys", async () => {
    stack = await startStack();
    const email = uniqueEmail("persist");
    const signup = await client(stack.baseUrl).post("/auth/signup", { email, password: PASSWORD });
    expect(signup.status).toBe(201);
    const { dataDir } = stack;
    await stack.stop({ keepData: true });

    // The same port: the tokens' issuer is the local base URL, http://localhost:<PORT>.
    stack = await startStack({ dataDir, port: Number(new URL(stack.baseUrl).port) });
    const api = client(stack.baseUrl);
    expect((await api.post("/auth/signup", { email, password: PASSWORD })).status).toBe(409);
    expect((await api.post("/auth/signin", { email, password: PASSWORD })).status).toBe(200);
    // Tokens issued before the restart still verify: the key was kept, and so was the session.
    expect((await api.get("/users/me", { token: signup.body.accessToken })).body.user.email).toBe(email);
    expect((await api.post("/auth/refresh", { refreshToken: signup.body.refreshToken })).status).toBe(200);
  }, 240_000); // two stack starts in one test
});
