// Ending sessions and the lockout under real concurrency, against DynamoDB
// Local: requests race in parallel (bcryptjs yields while it hashes, so their
// reads and writes interleave), never ordered by sleeps. The assertions hold
// however they interleave: the contract's "Account lifecycle".
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { Actor } from "../../lib/admin/actor.js";
import { setDisabled } from "../../lib/admin/user-admin.js";
import { deleteMyAccount } from "../../lib/accounts/deletion.js";
import { changePassword } from "../../lib/accounts/password-change.js";
import { resetPassword } from "../../lib/accounts/password-reset.js";
import { completeSignin, signin } from "../../lib/accounts/signin.js";
import { passwordFirstFactor } from "../../lib/methods/password/password-check.js";
import { listSessionIds } from "../../lib/sessions/session-store.js";
import { signup } from "../../lib/accounts/signup.js";
import { issueAccessToken } from "../../lib/keys/access-tokens.js";
import { signingKey } from "../../lib/keys/signing-keys.js";
import { issueOneTimeToken } from "../../lib/one-time-tokens/one-time-token-store.js";
import { newOneTimeToken, tokenExpiresAt } from "../../lib/one-time-tokens/one-time-tokens.js";
import { HttpError } from "../../lib/platform/errors.js";
import { checkSession } from "../../lib/sessions/session-check.js";
import { refreshSession } from "../../lib/sessions/refresh.js";
import type { Session } from "../../lib/sessions/sessions.js";
import { endAllSessions } from "../../lib/sessions/signout.js";
import { getUser } from "../../lib/users/user-store.js";
import { grantRoles } from "../helpers/roles.js";
import { PASSWORD, jwtPayload, outcome, uniqueEmail } from "../helpers/fixtures.js";

const NEW_PASSWORD = "a completely different passphrase";
const sidOf = (session: Session) => jwtPayload(session.accessToken).sid as string;


/** Whether a session still works anywhere: at the authorizer's check, or by refreshing. */
async function works(session: Session): Promise<boolean> {
  const live = await checkSession(sidOf(session), session.user.id);
  const refreshed = await outcome(refreshSession(session.refreshToken));
  return live !== undefined || !(refreshed instanceof HttpError);
}

/**
 * Signins with the old password in flight while `change` runs: started before,
 * during and after it starts (4 of them: under the lockout's 5 parallel
 * checks). The password checks of a change or reset take two bcrypt rounds
 * before its write, so signins started meanwhile read the old password.
 */
async function signinsRacing(email: string, change: () => Promise<unknown>): Promise<Session[]> {
  const racing = [0, 25, 50, 90].map(async (offset) => {
    await delay(offset);
    return outcome(signin({ email, password: PASSWORD }));
  });
  await delay(10);
  await change();
  const results = await Promise.all(racing);
  return results.filter((result): result is Session => !(result instanceof HttpError));
}

describe("ending every session has no race", () => {
  const resetBy = async (user: { id: string; email: string }) => {
    const { token, hash } = newOneTimeToken();
    await issueOneTimeToken({ kind: "reset", userId: user.id, accountEmail: user.email, hash, expiresAt: tokenExpiresAt("reset", Date.now()) });
    return () => resetPassword({ token, newPassword: NEW_PASSWORD });
  };
  const disableBy = async (user: { id: string }) => {
    const admin = await signup({ email: uniqueEmail("admin"), password: PASSWORD });
    await grantRoles(admin.user.id, ["user", "admin"]);
    const actor: Actor = { userId: admin.user.id, sid: sidOf(admin), client: {} };
    return () => setDisabled(actor, user.id, true);
  };
  const changes: Record<string, (user: { id: string; email: string }) => Promise<() => Promise<unknown>>> = {
    "a password change": async (user) => () => changePassword(user.id, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
    "a reset": resetBy,
    "disabling": disableBy,
    "sign out everywhere": async (user) => () => endAllSessions(user.id),
  };

  for (const name of ["a password change", "a reset"]) {
    it(`${name}: no session of the signins racing it works once it has answered (parallel requests)`, async () => {
      let survivors = 0;
      let racedSessions = 0;
      // A few rounds: each interleaves differently. The rule must hold in every one.
      for (let round = 0; round < 3; round++) {
        const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
        const sessions = await signinsRacing(user.email, await changes[name]!(user));
        racedSessions += sessions.length;
        for (const session of sessions) if (await works(session)) survivors++;
      }
      expect(survivors).toBe(0);
      // The race happened: some signins got a session before the change answered (they must have ended since).
      expect(racedSessions).toBeGreaterThan(0);
    });
  }

  for (const [name, prepare] of Object.entries(changes)) {
    it(`${name}: a signin that checked the password before it gets no session after it, whatever its clock says`, async () => {
      const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
      const change = await prepare(user);
      // The exact interleaving, step by step: the signin's first factor reads the user and checks the password...
      const first = await passwordFirstFactor({ email: user.email, password: PASSWORD }, Date.now());
      await change();
      // ...and its session is created after the change answered, by a Lambda whose clock reads later.
      const late = await outcome(completeSignin(first, Date.now() + 1000));
      expect(late).toMatchObject({ statusCode: 401, code: "invalid_credentials" });
      expect(await listSessionIds(user.id)).toHaveLength(1); // signup's own, ended by the change
      expect(await checkSession((await listSessionIds(user.id))[0]!, user.id)).toBeUndefined();
    });
  }
});

describe("the lockout holds under concurrency", () => {
  it("of 25 parallel signins (24 wrong, then 1 right) at most 5 passwords are checked; the rest answer 429", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    // The right one last in the burst, as a guesser who finally hits it would send it. (A right password
    // checked among the first five forgets the failures: requests that arrive after it start a new count.)
    const attempts = Array.from({ length: 25 }, (_, i) => outcome(signin({ email: user.email, password: i === 24 ? PASSWORD : `wrong ${i}` })));
    const results = await Promise.all(attempts);
    const checked = results.filter((result) => !(result instanceof HttpError) || result.statusCode !== 429);
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.length).toBeLessThanOrEqual(5);
    for (const result of results) if (result instanceof HttpError) expect([401, 429]).toContain(result.statusCode);
  });

  it("holds for an address that has no account, alike", async () => {
    const results = await Promise.all(Array.from({ length: 25 }, () => outcome(signin({ email: uniqueEmail("nobody").replace("nobody", "ghost"), password: "x" }))));
    // Different addresses each time: nothing to lock; the same address 25 times:
    const email = uniqueEmail("ghost");
    const same = await Promise.all(Array.from({ length: 25 }, () => outcome(signin({ email, password: "wrong" }))));
    expect(results.every((result) => result instanceof HttpError && result.statusCode === 401)).toBe(true);
    expect(same.filter((result) => result instanceof HttpError && result.statusCode === 401).length).toBeLessThanOrEqual(5);
    expect(same.filter((result) => result instanceof HttpError && result.statusCode === 429).length).toBeGreaterThanOrEqual(20);
  });

  it("guards the current password of a password change and of an account deletion the same way", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const actor: Actor = { userId: user.id, sid: "none", client: {} };
    const results = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => outcome(changePassword(user.id, { currentPassword: `wrong ${i}`, newPassword: NEW_PASSWORD }))),
      ...Array.from({ length: 12 }, (_, i) => outcome(deleteMyAccount(actor, `wrong ${i}`))),
    ]);
    const statuses = results.map((result) => (result instanceof HttpError ? result.statusCode : 204));
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(19);
    // Now locked: the right password is refused too, and nothing changed.
    expect(await outcome(changePassword(user.id, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }))).toMatchObject({ statusCode: 429 });
    expect((await getUser(user.id))?.userId).toBe(user.id);
  });

  it("does not count the right password of a disabled account: it keeps answering 403, and signs in at once when enabled again", async () => {
    const admin = await signup({ email: uniqueEmail("admin"), password: PASSWORD });
    await grantRoles(admin.user.id, ["user", "admin"]);
    const actor: Actor = { userId: admin.user.id, sid: sidOf(admin), client: {} };
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    await setDisabled(actor, user.id, true);
    for (let i = 0; i < 7; i++) {
      expect(await outcome(signin({ email: user.email, password: PASSWORD }))).toMatchObject({ statusCode: 403, code: "account_disabled" });
    }
    await setDisabled(actor, user.id, false);
    expect(await outcome(signin({ email: user.email, password: PASSWORD }))).toHaveProperty("accessToken");
  });

  it("lets the right password in again once a lock has ended, and allows one attempt at a time after it", async () => {
    const { user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const now = Date.now();
    for (let i = 0; i < 5; i++) await outcome(signin({ email: user.email, password: "wrong" }, now));
    expect(await outcome(signin({ email: user.email, password: PASSWORD }, now))).toMatchObject({ statusCode: 429 });
    // After the minute's lock, two parallel wrong attempts: one is checked (and locks again for longer), the other 429.
    const later = now + 61_000;
    const pair = await Promise.all([outcome(signin({ email: user.email, password: "wrong" }, later)), outcome(signin({ email: user.email, password: "wrong" }, later))]);
    expect(pair.map((result) => (result as HttpError).statusCode).sort()).toEqual([401, 429]);
    expect(await outcome(signin({ email: user.email, password: PASSWORD }, later + 61_000))).toMatchObject({ statusCode: 429 });
    expect(await outcome(signin({ email: user.email, password: PASSWORD }, later + 121_000))).toHaveProperty("accessToken");
  });
});

describe("the authorizer's session check", () => {
  it("refuses a token, signed with our key, whose sid names another user's session", async () => {
    const victim = await signup({ email: uniqueEmail(), password: PASSWORD });
    const attacker = await signup({ email: uniqueEmail(), password: PASSWORD });
    const forged = issueAccessToken(await signingKey(), {
      userId: attacker.user.id,
      roles: ["user"],
      permissions: [],
      sid: sidOf(victim),
      amr: ["pwd"],
      clientId: "first-party",
    });
    expect(jwtPayload(forged.accessToken).sid).toBe(sidOf(victim));
    expect(await checkSession(sidOf(victim), attacker.user.id)).toBeUndefined();
    expect(await checkSession(sidOf(victim), victim.user.id)).toBeDefined();
  });
});
