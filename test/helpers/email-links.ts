// The local SES engine's inbox (aws-ses-v2-local, `GET <mailUrl>/store`): the
// links the API emailed, as a user would click them.
interface StoredEmail {
  to?: string | string[];
  destination?: { to?: string[] };
  subject?: string;
  body?: { text?: string; html?: string };
}

async function emailsTo(mailUrl: string, address: string): Promise<StoredEmail[]> {
  const response = await fetch(`${mailUrl}/store`);
  if (!response.ok) return [];
  const { emails = [] } = (await response.json()) as { emails?: StoredEmail[] };
  return emails.filter((email) => {
    const to = email.destination?.to ?? email.to ?? [];
    return (Array.isArray(to) ? to : [to]).some((recipient) => recipient.toLowerCase().includes(address.toLowerCase()));
  });
}

/**
 * The newest link `<appUrl><path>#token=...` in a text email to `address`,
 * waiting for it to arrive (the API sends email asynchronously).
 */
export async function waitForEmailLink(mailUrl: string, address: string, appUrl: string, path: string, timeoutMs = 20_000): Promise<string> {
  const pattern = new RegExp(`${appUrl.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}${path}#token=[^\\s"'<>]+`, "g");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const links = (await emailsTo(mailUrl, address).catch(() => [])).flatMap((email) => email.body?.text?.match(pattern) ?? []);
    if (links.length > 0) return links[links.length - 1]!;
    if (Date.now() > deadline) throw new Error(`no email to ${address} with a ${path} link within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
