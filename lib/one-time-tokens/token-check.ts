/** The first half of spending an emailed token: is it one of ours, live, of this kind, still its user's, and its user enabled? */
import { BadRequestError } from "../platform/errors.js";
import { USER_TOKEN_FIELDS, getUser, heldTokenHash, type UserRecord } from "../users/user-store.js";
import { getOneTimeToken } from "./one-time-token-store.js";
import { TOKEN_REJECTED, hashOneTimeToken, isTokenShaped, isTokenUsable, mayUseEmailedTokens, type OneTimeTokenKind, type OneTimeTokenRecord } from "./one-time-tokens.js";

/** The one 400 for a token that is unknown, expired, used, replaced or of a disabled account: nothing to tell them apart. */
export const invalidToken = () => new BadRequestError(TOKEN_REJECTED, [{ field: "token", problem: "is invalid or has expired" }], "invalid_token");

/**
 * The token's hash, its record and its user, or invalid_token. Spending it (a conditional
 * transaction) may still lose a race: to another use of the token, a newer
 * token, or a disable that lands after this read (the spend is conditioned on
 * the user still being enabled).
 */
export async function usableToken(
  token: string,
  kind: OneTimeTokenKind,
  now: number,
): Promise<{ hash: string; user: UserRecord; record: OneTimeTokenRecord }> {
  if (!isTokenShaped(token)) throw invalidToken();
  const hash = hashOneTimeToken(token);
  const record = await getOneTimeToken(hash);
  const user = record && (await getUser(record.userId, USER_TOKEN_FIELDS));
  if (!user || !mayUseEmailedTokens(user) || !isTokenUsable(record, kind, hash, heldTokenHash(user, kind), now)) throw invalidToken();
  return { hash, user, record: record! };
}
