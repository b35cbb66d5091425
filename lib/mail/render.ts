/**
 * The emails the API sends, rendered from the template files in
 * lib/mail/templates/ (edit those, not this): `<name>.txt` starts with a
 * `Subject:` line, then a blank line, then the plain-text body; `<name>.html`
 * is the HTML body. `{{placeholder}}`s are filled in; in HTML every value is
 * escaped. A template naming an unknown placeholder fails loudly (tests
 * render every template).
 *
 * Links carry their token in the fragment (`#token=`): browsers do not send
 * it to the web app's server, so it stays out of access logs and Referer headers.
 */
import { config } from "../platform/config.js";
import type { Email } from "./ses.js";
import emailChangeHtml from "./templates/email-change-link.html";
import emailChangeText from "./templates/email-change-link.txt";
import emailChangeRequestedHtml from "./templates/email-change-requested-notice.html";
import emailChangeRequestedText from "./templates/email-change-requested-notice.txt";
import mfaDisabledHtml from "./templates/mfa-disabled-notice.html";
import mfaDisabledText from "./templates/mfa-disabled-notice.txt";
import mfaEnabledHtml from "./templates/mfa-enabled-notice.html";
import mfaEnabledText from "./templates/mfa-enabled-notice.txt";
import mfaResetHtml from "./templates/mfa-reset-notice.html";
import mfaResetText from "./templates/mfa-reset-notice.txt";
import passkeyAddedHtml from "./templates/passkey-added-notice.html";
import passkeyAddedText from "./templates/passkey-added-notice.txt";
import passwordChangedHtml from "./templates/password-changed-notice.html";
import passwordChangedText from "./templates/password-changed-notice.txt";
import passwordResetHtml from "./templates/password-reset-notice.html";
import passwordResetText from "./templates/password-reset-notice.txt";
import recoveryCodeUsedHtml from "./templates/recovery-code-used-notice.html";
import recoveryCodeUsedText from "./templates/recovery-code-used-notice.txt";
import resetPasswordHtml from "./templates/reset-password-link.html";
import resetPasswordText from "./templates/reset-password-link.txt";
import verifyEmailHtml from "./templates/verify-email-link.html";
import verifyEmailText from "./templates/verify-email-link.txt";

/** `*-link`: an email carrying a one-time link; `*-notice`: a notice of a change already made. */
export const TEMPLATES = {
  "verify-email-link": { text: verifyEmailText, html: verifyEmailHtml },
  "reset-password-link": { text: resetPasswordText, html: resetPasswordHtml },
  "password-changed-notice": { text: passwordChangedText, html: passwordChangedHtml },
  "password-reset-notice": { text: passwordResetText, html: passwordResetHtml },
  "mfa-enabled-notice": { text: mfaEnabledText, html: mfaEnabledHtml },
  "mfa-disabled-notice": { text: mfaDisabledText, html: mfaDisabledHtml },
  "recovery-code-used-notice": { text: recoveryCodeUsedText, html: recoveryCodeUsedHtml },
  "mfa-reset-notice": { text: mfaResetText, html: mfaResetHtml },
  "passkey-added-notice": { text: passkeyAddedText, html: passkeyAddedHtml },
  "email-change-link": { text: emailChangeText, html: emailChangeHtml },
  "email-change-requested-notice": { text: emailChangeRequestedText, html: emailChangeRequestedHtml },
} as const;
export type TemplateName = keyof typeof TEMPLATES;

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function fill(template: string, values: Record<string, string>, escape: (value: string) => string): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`email template names an unknown placeholder {{${name}}}`);
    return escape(value);
  });
}

/** Renders one template for `to`. `appName` and `appUrl` are always available to templates. */
export function renderEmail(name: TemplateName, to: string, values: Record<string, string>): Email {
  const all = { appName: config.appName, appUrl: config.appUrl, email: to, ...values };
  const source = TEMPLATES[name];
  const match = /^Subject: *(.*)\r?\n\r?\n/.exec(source.text);
  if (!match) throw new Error(`email template ${name}.txt must start with a Subject: line and a blank line`);
  return {
    to,
    // A header: no line breaks, whatever a value holds.
    subject: fill(match[1]!, all, (v) => v).replace(/[\r\n]+/g, " "),
    text: fill(source.text.slice(match[0].length), all, (v) => v),
    html: fill(source.html, all, escapeHtml),
  };
}

/** `<APP_URL>/verify-email#token=…`, `<APP_URL>/reset-password#token=…` and `<APP_URL>/confirm-email#token=…`: the web app's pages. */
export function linkTo(page: "verify-email" | "reset-password" | "confirm-email", token: string): string {
  return `${config.appUrl}/${page}#token=${encodeURIComponent(token)}`;
}

/** "30 minutes", "24 hours": how long a link lasts, for the email's text. */
export function describeDuration(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

/** When something happened, in UTC (the mailer does not know the reader's time zone). */
export function describeTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
