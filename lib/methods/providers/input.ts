/** The bodies of the provider routes. */
import { checker } from "../../http/checker.js";

/** `POST /users/me/identities`: `{ provider, redirectUri }`. */
export function parseLinkRequest(body: unknown): { provider: string; redirectUri: string } {
  const c = checker(body);
  const provider = c.string("provider", { required: true, max: 32 });
  const redirectUri = c.string("redirectUri", { required: true, max: 2000 });
  c.done();
  return { provider: provider!, redirectUri: redirectUri! };
}

/** `POST /oauth2/requests/{requestId}/provider`: `{ provider }`. */
export function parseProviderChoice(body: unknown): string {
  const c = checker(body);
  const provider = c.string("provider", { required: true, max: 32 });
  c.done();
  return provider!;
}
