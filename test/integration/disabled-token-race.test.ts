// An admin disables an account between the check of an emailed token
// (one-time-tokens/token-check.ts reads the user) and its spend (the
// transaction): the spend itself must refuse a disabled user, or the reset or
// verification lands on a disabled account. The disable is made to land
// exactly there by running it right after the check's read of the user.
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it, vi } from "vitest";
import { verifyEmail } from "../../lib/accounts/email-verification.js";
import { resetPassword } from "../../lib/accounts/password-reset.js";
import { signin } from "../../lib/accounts/signin.js";
import { signup } from "../../lib/accounts/signup.js";
import type { Actor } from "../../lib/admin/actor.js";
import { setDisabled } from "../../lib/admin/user-admin.js";
import type { MailRequest } from "../../lib/mail/jobs.js";
import { deliverMailJob } from "../../lib/mail/mailer.js";
import { config } from "../../lib/platform/config.js";
import { getUser } from "../../lib/users/user-store.js";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";
import { linkToken, mailbox } from "../helpers/mailbox.js";
import { grantRoles } from "../helpers/roles.js";

/** Runs once, right after the next read of the user `userId`, before that read's caller goes on. */
const race = vi.hoisted(() => ({ afterRead: undefined as { userId: string; run: () => Promise<unknown> } | undefined }));

vi.mock("../../lib/users/user-store.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../lib/users/user-store.js")>();
  return {
    ...actual,
    getUser: async (...args: Parameters<typeof actual.getUser>) => {
      const user = await actual.getUser(...args);
      const armed = race.afterRead;
      if (armed && args[0] === armed.userId) {
        race.afterRead = undefined;
        await armed.run();
      }
      return user;
    },
  };
});

const mail = mailbox(inject("mailUrl"));
const NEW_PASSWORD = "a different passphrase entirely";
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
const job = (request: MailRequest) => ({ ...request, jobId: randomUUID(), at: Date.now() });

async function newAdmin(): Promise<Actor> {
  const session = await signup({ email: uniqueEmail("admin"), password: PASSWORD });
  await grantRoles(session.user.id, ["user", "admin"]);
  return { userId: session.user.id, sid: String(jwtPayload(session.accessToken).sid), client: {} };
}

/** Arms the race: the account is disabled right after the token check has read it (and found it enabled). */
function disableAfterCheck(admin: Actor, userId: string) {
  race.afterRead = { userId, run: () => setDisabled(admin, userId, true) };
}

describe("disabling an account between a token's check and its spend", () => {
  it("a reset fails with 400 invalid_token and leaves the password as it was", async () => {
    const admin = await newAdmin();
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    expect(await deliverMailJob(job({ type: "password-reset-requested", email: user.email }))).toBe("sent");
    const token = linkToken((await mail.waitFor(user.email, /Reset your/, 1, 5000))[0]!, config.appUrl, "reset-password");
    const before = await getUser(user.id);

    disableAfterCheck(admin, user.id);
    const refused = await rejectionOf(resetPassword({ token, newPassword: NEW_PASSWORD }));
    expect(race.afterRead, "the disable ran between the check and the spend").toBeUndefined();
    expect(refused).toMatchObject({ statusCode: 400, code: "invalid_token" });
    const after = await getUser(user.id);
    expect(after?.disabled).toBe(true);
    expect(after?.passwordHash).toBe(before?.passwordHash);
    expect(after?.emailVerified).toBeFalsy();

    await setDisabled(admin, user.id, false);
    expect((await signin({ email: user.email, password: PASSWORD })).user.id).toBe(user.id);
  });

  it("a verification fails with 400 invalid_token and the email stays unverified", async () => {
    const admin = await newAdmin();
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    expect(await deliverMailJob(job({ type: "verification-requested", userId: user.id }))).toBe("sent");
    const token = linkToken((await mail.waitFor(user.email, /Confirm your email/, 1, 5000))[0]!, config.appUrl, "verify-email");

    disableAfterCheck(admin, user.id);
    const refused = await rejectionOf(verifyEmail(token));
    expect(race.afterRead, "the disable ran between the check and the spend").toBeUndefined();
    expect(refused).toMatchObject({ statusCode: 400, code: "invalid_token" });
    const after = await getUser(user.id);
    expect(after?.disabled).toBe(true);
    expect(after?.emailVerified).toBeFalsy();
  });
});
