// REQUIRE_VERIFIED_EMAIL=true: config is read once at import, so this file sets it before loading lib/.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { PASSWORD, uniqueEmail } from "../helpers/fixtures.js";
import { linkToken, mailbox } from "../helpers/mailbox.js";

let lib: {
  signup: typeof import("../../lib/accounts/signup.js");
  signin: typeof import("../../lib/accounts/signin.js");
  verification: typeof import("../../lib/accounts/email-verification.js");
  mailer: typeof import("../../lib/mail/mailer.js");
  errors: typeof import("../../lib/platform/errors.js");
};

beforeAll(async () => {
  process.env.REQUIRE_VERIFIED_EMAIL = "true";
  lib = {
    signup: await import("../../lib/accounts/signup.js"),
    signin: await import("../../lib/accounts/signin.js"),
    verification: await import("../../lib/accounts/email-verification.js"),
    mailer: await import("../../lib/mail/mailer.js"),
    errors: await import("../../lib/platform/errors.js"),
  };
});

const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe("with REQUIRE_VERIFIED_EMAIL=true", () => {
  it("signup answers the user alone; signin answers 403 after the right password (401 for a wrong one) until the email is verified", async () => {
    const email = uniqueEmail();
    const answer = await lib.signup.signupAnswer({ email, password: PASSWORD });
    expect(Object.keys(answer)).toEqual(["user"]);
    expect(answer.user.emailVerified).toBe(false);

    expect(await rejectionOf(lib.signin.signin({ email, password: "wrong password!" }))).toBeInstanceOf(lib.errors.UnauthorizedError);
    const forbidden = await rejectionOf(lib.signin.signin({ email, password: PASSWORD }));
    expect(forbidden).toBeInstanceOf(lib.errors.ForbiddenError);
    expect(forbidden).toMatchObject({ code: "email_not_verified" });

    await lib.mailer.deliverMailJob({ type: "verification-requested", userId: answer.user.id, jobId: randomUUID(), at: Date.now() });
    const [sent] = await mailbox(inject("mailUrl")).waitFor(email, /Confirm your email/, 1, 5000);
    await lib.verification.verifyEmail(linkToken(sent!, "http://localhost:4040", "verify-email"));
    const session = await lib.signin.signin({ email, password: PASSWORD });
    expect(session.user.emailVerified).toBe(true);
  });
});
