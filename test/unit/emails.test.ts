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
