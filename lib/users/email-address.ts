/**
 * Email addresses in one canonical form, so that one mailbox is one account
 * and the uniqueness claim (`EMAIL#<email>`) cannot be dodged by spelling:
 *
 * - Unicode NFKC first (fullwidth `ａｄａ` is `ada`), surrounding spaces trimmed;
 * - the local part (before the last `@`) lower-cased and limited to the ASCII
 *   "dot-atom" of RFC 5322, at most 64 characters. Amazon SES cannot send to
 *   non-ASCII local parts (no SMTPUTF8), so an account there could never
 *   receive its verification or reset email: rejected rather than stranded;
 * - the domain in its one ASCII form (IDNA, `bücher.example` ->
 *   `xn--bcher-kva.example`), lower case, at least two labels of letters,
 *   digits and inner hyphens, not an IP address;
 * - the whole at most 254 characters (RFC 5321's path limit).
 */
import { domainToASCII } from "node:url";

export const EMAIL_MAX_LENGTH = 254;
export const LOCAL_PART_MAX_LENGTH = 64;

const ATOM = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_PART = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export type EmailCheck = { email: string } | { problem: string };

export function canonicalEmail(raw: string): EmailCheck {
  const text = raw.normalize("NFKC").trim();
  const at = text.lastIndexOf("@");
  // The URL host parser drops tabs and line breaks silently: refuse them (and any space) first.
  if (/[\s\p{Cc}]/u.test(text) || at <= 0 || at === text.length - 1) return { problem: "must be a valid email address" };
  const local = text.slice(0, at).toLowerCase();
  if (!LOCAL_PART.test(local)) {
    return { problem: "must be a valid email address with only ASCII letters, digits and . ! # $ % & ' * + / = ? ^ _ ` { | } ~ - before the @" };
  }
  if (local.length > LOCAL_PART_MAX_LENGTH) {
    return { problem: `must have at most ${LOCAL_PART_MAX_LENGTH} characters before the @` };
  }
  // '' when the domain is not a valid host name (forbidden code points, bad punycode).
  const domain = domainToASCII(text.slice(at + 1)).toLowerCase();
  const labels = domain.split(".");
  if (
    labels.length < 2 ||
    !labels.every((label) => DOMAIN_LABEL.test(label)) ||
    /^[0-9]+$/.test(labels[labels.length - 1]!)
  ) {
    return { problem: "must be a valid email address" };
  }
  const email = `${local}@${domain}`;
  if (email.length > EMAIL_MAX_LENGTH) return { problem: `must be at most ${EMAIL_MAX_LENGTH} characters` };
  return { email };
}

/**
 * The canonical form of an email, used everywhere one is
 * stored or looked up. An address that has none (invalid) is returned
 * NFKC-normalized, trimmed and lower-cased: it matches no account.
 */
export function normalizeEmail(email: string): string {
  const checked = canonicalEmail(email);
  return "email" in checked ? checked.email : email.normalize("NFKC").trim().toLowerCase();
}
