// Reads what a stack sent from its local SES engine (aws-ses-v2-local's GET /store).
import { setTimeout as sleep } from "node:timers/promises";

export interface SentEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

export function mailbox(mailUrl: string) {
  async function all(): Promise<SentEmail[]> {
    const response = await fetch(`${mailUrl}/store`);
    if (!response.ok) throw new Error(`local SES store answered ${response.status}`);
    return ((await response.json()) as { emails: SentEmail[] }).emails;
  }
  const to = async (address: string) => (await all()).filter((email) => email.destination.to.includes(address));
  return {
    all,
    to,
    /** Waits until `address` has received `count` emails whose subject matches, and returns them (oldest first). */
    async waitFor(address: string, subject: RegExp, count = 1, timeoutMs = 20_000): Promise<SentEmail[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await to(address)).filter((email) => subject.test(email.subject));
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`no ${count} email(s) "${subject}" to ${address} within ${timeoutMs} ms`);
        await sleep(150);
      }
    },
  };
}

export type Mailbox = ReturnType<typeof mailbox>;

/**
 * The token of the link to `page` in an email, read from the plain text;
 * the HTML body must carry the very same link.
 */
export function linkToken(email: SentEmail, appUrl: string, page: "verify-email" | "reset-password"): string {
  const escaped = `${appUrl}/${page}#token=`.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const inText = [...(email.body.text ?? "").matchAll(new RegExp(`${escaped}([A-Za-z0-9_-]+)`, "g"))].map((m) => m[1]);
  if (inText.length === 0) throw new Error(`no ${page} link in the email's text`);
  if (new Set(inText).size !== 1) throw new Error("the email's text holds different tokens");
  const inHtml = [...(email.body.html ?? "").matchAll(new RegExp(`${escaped}([A-Za-z0-9_-]+)`, "g"))].map((m) => m[1]);
  if (!inHtml.every((token) => token === inText[0]) || inHtml.length === 0) throw new Error("the HTML link differs from the text's");
  return inText[0]!;
}
