/** The token endpoint's answer (RFC 6749 5.1, OpenID Connect Core 3.1.3.3) for a session of a client. */
import type { ClientRecord } from "../clients/client-store.js";
import { signingKey } from "../keys/signing-keys.js";
import type { Session } from "../sessions/sessions.js";
import { issueIdToken } from "./id-tokens.js";
import { scopesOf } from "./scopes.js";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

/** The refresh token only when the client has that grant; an ID token when `openid` was granted. */
export async function tokenResponse(
  client: ClientRecord,
  session: Session,
  granted: { sid: string; scope: string; amr: readonly string[]; authTime: number; nonce?: string },
): Promise<TokenResponse> {
  const scopes = scopesOf(granted.scope);
  return {
    access_token: session.accessToken,
    token_type: "Bearer",
    expires_in: session.expiresIn,
    scope: granted.scope,
    ...(client.grantTypes.includes("refresh_token") && { refresh_token: session.refreshToken }),
    ...(scopes.includes("openid") && {
      id_token: issueIdToken(await signingKey(), {
        user: session.user,
        clientId: client.clientId,
        scopes,
        sid: granted.sid,
        amr: granted.amr,
        authTime: granted.authTime,
        ...(granted.nonce !== undefined && { nonce: granted.nonce }),
      }),
    }),
  };
}

