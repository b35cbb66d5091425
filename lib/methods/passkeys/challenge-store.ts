/**
 * The only writer of WebAuthn challenges, in the users table:
 *
 *   CHALLENGE#<challenge>   { ceremony, userId?, mfaTokenHash?, expiresAt }   (expires)
 *
 * A challenge is 256 random bits (base64url), good for 5 minutes and one
 * ceremony: a registration of one user, a sign-in, or the second step of one
 * mfaToken. Verifying a response spends the challenge its clientDataJSON
 * names by one conditional delete bound to that ceremony, so it works once,
 * however requests race, and never for another ceremony.
 */
import { randomBytes } from "node:crypto";
import { config } from "../../platform/config.js";
import { writeIfCondition, writeItem } from "../../platform/transactions.js";

export const CHALLENGE_TTL_SECONDS = 5 * 60;

export type Ceremony =
  | { ceremony: "registration"; userId: string }
  | { ceremony: "signin" }
  | { ceremony: "second-step"; mfaTokenHash: string };

const users = config.usersTable;
const challengeKey = (challenge: string) => ({ pk: `CHALLENGE#${challenge}` });
const nowSeconds = (now: number) => Math.floor(now / 1000);

/** A new challenge for `ceremony`, stored; base64url as the options carry it. */
export async function newChallenge(ceremony: Ceremony, now: number): Promise<string> {
  const challenge = randomBytes(32).toString("base64url");
  await writeItem({
    Put: {
      TableName: users,
      Item: { ...challengeKey(challenge), ...ceremony, expiresAt: nowSeconds(now) + CHALLENGE_TTL_SECONDS },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  });
  return challenge;
}

/** Spends `challenge` if it is ours, unexpired, unused and of exactly this ceremony: true when it was. */
export function spendChallenge(challenge: string, ceremony: Ceremony, now: number): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return Promise.resolve(false);
  const binding = Object.entries(ceremony);
  return writeIfCondition({
    Delete: {
      TableName: users,
      Key: challengeKey(challenge),
      ConditionExpression: ["expiresAt > :now", ...binding.map(([name]) => `#${name} = :${name}`)].join(" AND "),
      ExpressionAttributeNames: Object.fromEntries(binding.map(([name]) => [`#${name}`, name])),
      ExpressionAttributeValues: { ":now": nowSeconds(now), ...Object.fromEntries(binding.map(([name, value]) => [`:${name}`, value])) },
    },
  });
}
