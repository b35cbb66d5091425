// What the provider e2e tests read and make of accounts over HTTP: a password account (its email
// verified through the emailed link, or not), its linked identities, its events.
import { expect } from "vitest";
import type { Client } from "./client.js";
import { PASSWORD, uniqueEmail } from "./fixtures.js";
import { linkToken, type Mailbox } from "./mailbox.js";

export interface Account {
  email: string;
  userId: string;
  accessToken: string;
}

export interface AccountEvent {
  type: string;
  method?: string;
}

/** A password account; `verified` (the default) follows the link the signup emailed. */
export async function passwordAccount(api: Client, mail: Mailbox, appUrl: string, label: string, options: { verified?: boolean } = {}): Promise<Account> {
  const email = uniqueEmail(label);
  const signup = await api.post("/auth/signup", { email, password: PASSWORD });
  expect(signup.status, signup.text).toBe(201);
  if (options.verified === false) expect(signup.body.user.emailVerified).toBe(false);
  else {
    const token = linkToken((await mail.waitFor(email, /Confirm your email/))[0]!, appUrl, "verify-email");
    const verified = await api.post("/auth/email/verify", { token });
    expect(verified.status, verified.text).toBe(200);
  }
  return { email, userId: signup.body.user.id, accessToken: signup.body.accessToken };
}

export async function identitiesOf(api: Client, token: string): Promise<any[]> {
  const reply = await api.get("/users/me/identities", { token });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.identities;
}

export async function eventsOf(api: Client, token: string): Promise<AccountEvent[]> {
  const reply = await api.get("/users/me/events", { token });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.events;
}

/** How many of the events are of `type` (and `method`, when given). */
export const countEvents = (list: AccountEvent[], type: string, method?: string) =>
  list.filter((event) => event.type === type && (method === undefined || event.method === method)).length;
