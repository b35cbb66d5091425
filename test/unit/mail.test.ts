import { beforeEach, describe, expect, it, vi } from "vitest";
import { emailWindows, limitKey } from "../../lib/mail/limits.js";
import { fromAddress, sendEmail } from "../../lib/mail/ses.js";
import { parseMailJob, type MailJob } from "../../lib/mail/jobs.js";
import { deliverMailJob } from "../../lib/mail/mailer.js";
import { getUser, type UserRecord } from "../../lib/users/user-store.js";

// The notices' path through the mailer, with the account read and SES stubbed (the integration tests run the real ones).
vi.mock("../../lib/mail/ses.js", async (importOriginal) => ({ ...(await importOriginal<object>()), sendEmail: vi.fn(async () => undefined) }));
vi.mock("../../lib/users/user-store.js", async (importOriginal) => ({ ...(await importOriginal<object>()), getUser: vi.fn() }));

describe("email limits", () => {
  it("default to one reset email a minute and five an hour, counted per purpose and address", () => {
    expect(emailWindows("reset")).toEqual([{ seconds: 60, max: 1 }, { seconds: 3600, max: 5 }]);
    const [minute, hour] = emailWindows("reset");
    expect(limitKey("reset", "ada@example.com", minute!)).not.toBe(limitKey("verify", "ada@example.com", minute!));
    expect(limitKey("reset", "ada@example.com", minute!)).not.toBe(limitKey("reset", "ada@example.com", hour!));
    expect(limitKey("reset", "ada@example.com", minute!)).not.toBe(limitKey("reset", "bob@example.com", minute!));
  });

  it("default to two verification emails a minute (signup's and one resend) and five an hour", () => {
    expect(emailWindows("verify")).toEqual([{ seconds: 60, max: 2 }, { seconds: 3600, max: 5 }]);
  });

  it("count an address in its canonical form, however it is spelled", () => {
    const [minute] = emailWindows("verify");
    const key = limitKey("verify", "ada@xn--bcher-kva.example", minute!);
    for (const spelling of ["ADA@bücher.example", " ａｄａ@BÜCHER.example ", "Ada@XN--BCHER-KVA.EXAMPLE"]) {
      expect(limitKey("verify", spelling, minute!), spelling).toBe(key);
    }
  });
});

describe("the sender", () => {
  it("names the app in a quoted display name, encoded when it is not ASCII", () => {
    expect(fromAddress("Auth API", "no-reply@example.com")).toBe('"Auth API" <no-reply@example.com>');
    expect(fromAddress('Say "hi"', "a@example.com")).toBe('"Say \\"hi\\"" <a@example.com>');
    expect(fromAddress("Bücher", "a@example.com")).toBe(`=?UTF-8?B?${Buffer.from("Bücher").toString("base64")}?= <a@example.com>`);
    expect(fromAddress("", "a@example.com")).toBe("a@example.com");
  });
});

describe("mail jobs", () => {
  const base = { jobId: "j", at: 1 };
  it("are read back as the handlers queued them", () => {
    expect(parseMailJob({ ...base, type: "password-reset-requested", email: "a@example.com", client: { ipAddress: "1.2.3.4" } }))
      .toEqual({ ...base, type: "password-reset-requested", email: "a@example.com", client: { ipAddress: "1.2.3.4" } });
    expect(parseMailJob({ ...base, type: "verification-requested", userId: "u" }))
      .toEqual({ ...base, type: "verification-requested", userId: "u" });
    // Queued by older code: the flag that once exempted signup's email from the limit is dropped.
    expect(parseMailJob({ ...base, type: "verification-requested", userId: "u", limited: false }))
      .toEqual({ ...base, type: "verification-requested", userId: "u" });
    expect(parseMailJob({ ...base, type: "password-changed", userId: "u", extra: "ignored" }))
      .toEqual({ ...base, type: "password-changed", userId: "u" });
    for (const type of ["mfa-enabled", "mfa-disabled", "recovery-code-used", "mfa-reset", "passkey-added"]) {
      expect(parseMailJob({ ...base, type, userId: "u", code: "123456" })).toEqual({ ...base, type, userId: "u" });
    }
  });

  it("are refused when malformed (Lambda then retries and dead-letters them)", () => {
    for (const bad of [
      null,
      "x",
      {},
      { ...base, type: "nope", userId: "u" },
      { ...base, type: "password-reset-requested" },
      { type: "password-reset", userId: "u" },
      { ...base, type: "mfa-enabled" },
      { ...base, type: "recovery-code-used", userId: "" },
      { type: "mfa-reset", userId: "u" },
      { ...base, type: "passkey-added" },
      { ...base, type: "passkey-added", userId: 7 },
    ]) {
      expect(() => parseMailJob(bad), JSON.stringify(bad)).toThrow();
    }
  });
});

describe("second-factor and passkey notices", () => {
  const user = { userId: "u1", email: "ada@example.com", emailVerified: true, roles: ["user"], createdAt: 0 } as unknown as UserRecord;
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);
  const types = ["mfa-enabled", "mfa-disabled", "recovery-code-used", "mfa-reset", "passkey-added"] as const;
  const jobOf = (type: (typeof types)[number]): MailJob => ({ type, userId: "u1", jobId: `j-${type}`, at });

  beforeEach(() => {
    vi.mocked(getUser).mockReset();
    vi.mocked(sendEmail).mockClear();
  });

  it("go to the account's address, telling the time of the change, with no link carrying a token", async () => {
    vi.mocked(getUser).mockResolvedValue(user);
    for (const type of types) {
      expect(await deliverMailJob(jobOf(type)), type).toBe("sent");
      const email = vi.mocked(sendEmail).mock.lastCall![0];
      expect(email.to, type).toBe("ada@example.com");
      expect(email.text, type).toContain("2026-01-02 03:04 UTC");
      expect(email.text + email.html, type).not.toMatch(/token=|#token/);
    }
    expect(vi.mocked(sendEmail)).toHaveBeenCalledTimes(types.length);
    expect(vi.mocked(getUser).mock.calls.every(([userId]) => userId === "u1")).toBe(true);
  });

  it("send a passkey's addition as the passkey notice, disabled account or not, naming no credential", async () => {
    vi.mocked(getUser).mockResolvedValue({ ...user, disabled: true } as UserRecord);
    expect(await deliverMailJob(jobOf("passkey-added"))).toBe("sent");
    const email = vi.mocked(sendEmail).mock.lastCall![0];
    expect(email.subject).toMatch(/passkey was added/);
    expect(email.text).toMatch(/remove the passkey/);
    expect(email.text + email.html).not.toMatch(/credential|[A-Za-z0-9_-]{20,}/i);
  });

  it("are skipped quietly when the account is gone", async () => {
    vi.mocked(getUser).mockResolvedValue(undefined);
    for (const type of types) expect(await deliverMailJob(jobOf(type)), type).toBe("no-account");
    expect(vi.mocked(sendEmail)).not.toHaveBeenCalled();
  });
});
