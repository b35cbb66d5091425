import { describe, expect, it } from "vitest";
import { emailWindows, limitKey } from "../../lib/mail/limits.js";
import { fromAddress } from "../../lib/mail/ses.js";
import { parseMailJob } from "../../lib/mail/jobs.js";

describe("email limits", () => {
  it("default to one a minute and five an hour, counted per purpose and address", () => {
    expect(emailWindows()).toEqual([{ seconds: 60, max: 1 }, { seconds: 3600, max: 5 }]);
    const [minute, hour] = emailWindows();
    expect(limitKey("reset", "ada@example.com", minute!)).not.toBe(limitKey("verify", "ada@example.com", minute!));
    expect(limitKey("reset", "ada@example.com", minute!)).not.toBe(limitKey("reset", "ada@example.com", hour!));
    expect(limitKey("reset", "ada@example.com", minute!)).not.toBe(limitKey("reset", "bob@example.com", minute!));
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
    expect(parseMailJob({ ...base, type: "verification-requested", userId: "u", limited: false }))
      .toEqual({ ...base, type: "verification-requested", userId: "u", limited: false });
    expect(parseMailJob({ ...base, type: "password-changed", userId: "u", extra: "ignored" }))
      .toEqual({ ...base, type: "password-changed", userId: "u" });
  });

  it("are refused when malformed (Lambda then retries and dead-letters them)", () => {
    for (const bad of [null, "x", {}, { ...base, type: "nope", userId: "u" }, { ...base, type: "password-reset-requested" }, { type: "password-reset", userId: "u" }]) {
      expect(() => parseMailJob(bad), JSON.stringify(bad)).toThrow();
    }
  });
});
