/**
 * GET /oauth2/userinfo (OpenID Connect Core 5.3): `sub` and the claims of the
 * scopes the access token was granted. A token of the JSON routes (no scope)
 * is the first-party app's own: it sees every claim, as GET /users/me does.
 */
import type { Caller } from "../http/caller.js";
import { config } from "../platform/config.js";
import { userById } from "../users/users.js";
import { userClaims } from "./claims.js";
import { SUPPORTED_SCOPES } from "./scopes.js";

export async function userInfo(caller: Caller): Promise<Record<string, unknown>> {
  const scopes = caller.clientId === config.firstPartyClientId && caller.scope.length === 0 ? SUPPORTED_SCOPES : caller.scope;
  return userClaims(await userById(caller.userId), scopes);
}
