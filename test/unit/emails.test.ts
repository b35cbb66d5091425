import { describe, expect, it } from "vitest";
import { TEMPLATES, describeDuration, escapeHtml, linkTo, renderEmail, type TemplateName } from "../../lib/mail/render.js";

const values = { link: "http://localhost:4040/reset-password#token=abc", expiresIn: "30 minutes", time: "2026-01-01 10:00 UTC" };

describe("email templates", () => {
  it("render every template to a subject, a text and an HTML body with no placeholder left", () => {
    for (const name of Object.keys(TEMPLATES) as TemplateName[]) {
      const email = renderEmail(name, "ada@example.com", values);
      expect(email.subject.length).toBeGreaterThan(0);
      expect(email.subject).not.toMatch(/[\r\n]/);
      for (const body of [email.subject, email.text, email.html]) expect(body).not.toMatch(/\{\{|\}\}/);
      expect(email.text).toContain("ada@example.com");
      expect(email.html).toMatch(/^<!doctype html>/);
    }
  });

  it("escape what they substitute into HTML, and keep the plain text as it is", () => {
    const email = renderEmail("password-changed-notice", `o'brien+<b>@example.com`, values);
    expect(email.html).toContain("o&#39;brien+&lt;b&gt;@example.com");
    expect(email.html).not.toContain("<b>@");
    expect(email.text).toContain("o'brien+<b>@example.com");
    expect(escapeHtml(`<a href="x">&</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
  });

  it("put the token in the fragment of the web app's page", () => {
    expect(linkTo("verify-email", "tok_EN-1")).toBe("http://localhost:4040/verify-email#token=tok_EN-1");
    expect(linkTo("reset-password", "tok")).toBe("http://localhost:4040/reset-password#token=tok");
  });

  it("say how long a link lasts in words", () => {
    expect(describeDuration(1800)).toBe("30 minutes");
    expect(describeDuration(86400)).toBe("24 hours");
    expect(describeDuration(3600)).toBe("1 hour");
    expect(describeDuration(90)).toBe("90 seconds");
  });
});

describe("second-factor and passkey notices", () => {
  const notices = [
    "mfa-enabled-notice",
    "mfa-disabled-notice",
    "recovery-code-used-notice",
    "mfa-reset-notice",
    "passkey-added-notice",
  ] as const satisfies TemplateName[];
  const at = { time: "2026-01-01 10:00 UTC" };

  it("say what happened and when, in text and HTML, with what to do if it was not the owner", () => {
    for (const name of notices) {
      const email = renderEmail(name, "ada@example.com", at);
      expect(email.subject.length, name).toBeGreaterThan(0);
      for (const body of [email.text, email.html]) {
        expect(body, name).toContain("2026-01-01 10:00 UTC");
        expect(body, name).toContain("ada@example.com");
        expect(body, name).toContain("http://localhost:4040");
        expect(body, name).toMatch(/administrator/);
        expect(body, name).toMatch(/reset your password|reset it/i);
      }
      expect(email.html, name).toMatch(/^<!doctype html>/);
      expect(email.text, name).not.toMatch(/<[a-z]/i);
    }
    expect(renderEmail("recovery-code-used-notice", "ada@example.com", at).text).toMatch(/generate new ones/);
    expect(renderEmail("mfa-reset-notice", "ada@example.com", at).text).toMatch(/signed out/);
    const passkey = renderEmail("passkey-added-notice", "ada@example.com", at);
    expect(passkey.subject).toMatch(/passkey was added/);
    for (const body of [passkey.text, passkey.html]) {
      expect(body).toMatch(/without the\s+password/); // what the new passkey can do
      expect(body).toMatch(/remove the passkey/); // and what to do about one the owner does not know
      expect(body).toMatch(/sign out your other sessions/);
    }
  });

  it("name no passkey: no credential id, name or key, whatever the job carried", () => {
    // The job is { type, userId }: the template can say nothing more than that one was added, and when.
    const email = renderEmail("passkey-added-notice", "ada@example.com", { ...at, credentialId: "AAECAwQFBgcICQoLDA0ODw", name: "My laptop" });
    for (const body of [email.subject, email.text, email.html]) {
      expect(body).not.toContain("AAECAwQFBgcICQoLDA0ODw");
      expect(body).not.toContain("My laptop");
      expect(body).not.toMatch(/credential|public key/i);
    }
  });

  it("carry no link with a token, no code and no secret: the time is the only value they need", () => {
    for (const name of notices) {
      const email = renderEmail(name, "ada@example.com", at);
      for (const body of [email.subject, email.text, email.html]) {
        expect(body, name).not.toMatch(/token|secret|otpauth:/i);
        expect(body, name).not.toMatch(/https?:\/\/[^\s"<>)]*[#?]/); // links only to the app itself, with no fragment or query
        // No run that looks like a TOTP code, a recovery code or a base32/base64 secret.
        expect(body, name).not.toMatch(/\b\d{6,}\b/);
        expect(body, name).not.toMatch(/[A-Za-z0-9_-]{20,}/);
      }
      // A template that needed more than the time would throw without it; one that needs the time throws without it.
      expect(() => renderEmail(name, "ada@example.com", {}), name).toThrow(/\{\{time\}\}/);
    }
  });

  it("escape the account's address in HTML and keep it as it is in the text", () => {
    for (const name of notices) {
      const email = renderEmail(name, `o'brien+<b>@example.com`, at);
      expect(email.html, name).toContain("o&#39;brien+&lt;b&gt;@example.com");
      expect(email.html, name).not.toContain("<b>@");
      expect(email.text, name).toContain("o'brien+<b>@example.com");
    }
  });
});
