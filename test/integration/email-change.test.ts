// The email change's proof for a user without a password, in process against
// DynamoDB Local: a multi-factor session (a user-verified passkey's) moves the
// account without a code only while its sign-in is recent; later, or from a
// session that has ended, it does not (a stolen token carries "multi-factor"
// too). The HTTP flow and its emails are test/e2e/self-service.test.ts.
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { RECENT_SIGNIN_SECONDS, requestEmailChange } from "../../lib/accounts/email-change.js";
import type { CallerOnDevice } from "../../lib/http/caller.js";
import { transactWrite } from "../../lib/platform/transactions.js";
import { startSession } from "../../lib/sessions/sessions.js";
import { endSession } from "../../lib/sessions/signout.js";
import { userCreateItems, type UserRecord } from "../../lib/users/user-store.js";
import { jwtPayload, outcome, uniqueEmail } from "../helpers/fixtures.js";
import { sinkJobs } from "../helpers/lambda-sink.js";

/** A user as a passkey signup makes one (no password), signed in with the passkey at `now`: a multi-factor session. */
async function passkeyUser(now: number): Promise<{ user: UserRecord; caller: CallerOnDevice }> {
  const user: UserRecord = { userId: randomUUID(), email: uniqueEmail("nopass"), emailVerified: true, roles: ["user"], createdAt: new Date(now).toISOString() };
  await transactWrite(userCreateItems(user));
  const session = await startSession(user, { amr: ["hwk", "mfa"], method: "passkey" }, now);
  return { user, caller: { userId: user.userId, sid: jwtPayload(session.accessToken).sid as string, multiFactor: true, client: {} } };
}

const changeJobs = async (userId: string) =>
  (await sinkJobs(inject("lambdaUrl"))).filter((job) => job.userId === userId && job.type === "email-change-requested");

describe("moving a password-less account from its multi-factor session", () => {
  it("works right after the sign-in, with no code", async () => {
    const now = Date.now();
    const { user, caller } = await passkeyUser(now);
    const newEmail = uniqueEmail("moved");
    await requestEmailChange(caller, { newEmail }, now + 60_000);
    expect(await changeJobs(user.userId)).toEqual([expect.objectContaining({ newEmail })]);
  });

  it("is refused once the sign-in is older than RECENT_SIGNIN_SECONDS, though the session lives on: 403 mfa_required, nothing queued", async () => {
    const now = Date.now();
    const { user, caller } = await passkeyUser(now);
    const later = now + RECENT_SIGNIN_SECONDS * 1000 + 1000;
    expect(await outcome(requestEmailChange(caller, { newEmail: uniqueEmail("late") }, later))).toMatchObject({ statusCode: 403, code: "mfa_required" });
    expect(await changeJobs(user.userId)).toEqual([]);
  });

  it("is refused from a session that has ended, however recent (the authorizer's answer may be cached)", async () => {
    const now = Date.now();
    const { user, caller } = await passkeyUser(now);
    await endSession(user.userId, caller.sid, now);
    expect(await outcome(requestEmailChange(caller, { newEmail: uniqueEmail("ended") }, now + 1000))).toMatchObject({ statusCode: 401 });
    expect(await changeJobs(user.userId)).toEqual([]);
  });
});
