/**
 * The only writer of linked identities, in the users table:
 *
 *   IDENTITY#<provider>#<sub>   the claim that a provider's subject belongs to one
 *                               user ({ userId }): one user per identity
 *   USER#<userId>               its `identities` map, provider -> { sub, email?, linkedAt }
 *                               (one identity per provider): what the user's
 *                               list, unlinking and deletion read
 *
 * A link writes both in one transaction, with its event; so does an unlink,
 * conditioned on the identity not being the user's last way to sign in.
 */
import { config } from "../../platform/config.js";
import { getItem } from "../../platform/dynamodb.js";
import type { Delete, Put, Update } from "../../platform/transactions.js";
import type { LinkedIdentity } from "../../users/user-store.js";

const users = config.usersTable;
export const identityKey = (provider: string, sub: string) => ({ pk: `IDENTITY#${provider}#${sub}` });
const userKey = (userId: string) => ({ pk: `USER#${userId}` });

/** The user a provider's subject is linked to, if any. */
export async function linkedUserId(provider: string, sub: string): Promise<string | undefined> {
  const claim = await getItem(users, identityKey(provider, sub), ["pk", "userId"]);
  return typeof claim?.userId === "string" ? claim.userId : undefined;
}

/** The claim of a new link: fails (index of the caller's choosing) when the identity is anyone's already. */
export function identityClaimPut(provider: string, sub: string, userId: string): Put {
  return { Put: { TableName: users, Item: { ...identityKey(provider, sub), userId }, ConditionExpression: "attribute_not_exists(pk)" } };
}

/**
 * Adds the identity to the user's map, while the user exists, is enabled and
 * has none of that provider yet. One update cannot both create the map and
 * set a key in it (overlapping paths), so the caller says whether the user
 * item it read has the map; a change since fails the condition.
 */
export function identityAddedUpdate(user: { userId: string; identities?: object }, provider: string, identity: LinkedIdentity): Update {
  const enabled = "attribute_exists(pk) AND attribute_not_exists(disabled)";
  const add = user.identities
    ? { UpdateExpression: "SET identities.#provider = :identity", ConditionExpression: `${enabled} AND attribute_exists(identities) AND attribute_not_exists(identities.#provider)`, ExpressionAttributeNames: { "#provider": provider }, ExpressionAttributeValues: { ":identity": identity } }
    : { UpdateExpression: "SET identities = :identities", ConditionExpression: `${enabled} AND attribute_not_exists(identities)`, ExpressionAttributeValues: { ":identities": { [provider]: identity } } };
  return { Update: { TableName: users, Key: userKey(user.userId), ...add } };
}

/**
 * Removes the identity from the user's map and its claim, unless it is the
 * user's last way to sign in: the user has a password, a passkey, or another
 * identity. The condition holds in the transaction, so two parallel unlinks
 * of a user's last two identities cannot both pass.
 */
export function identityRemovedItems(userId: string, provider: string, sub: string): [Update, Delete] {
  return [
    {
      Update: {
        TableName: users,
        Key: userKey(userId),
        UpdateExpression: "REMOVE identities.#provider",
        ConditionExpression:
          "identities.#provider.#sub = :sub AND (attribute_not_exists(passwordless) OR size(passkeyIds) > :zero OR size(identities) > :one)",
        ExpressionAttributeNames: { "#provider": provider, "#sub": "sub" },
        ExpressionAttributeValues: { ":sub": sub, ":zero": 0, ":one": 1 },
      },
    },
    { Delete: { TableName: users, Key: identityKey(provider, sub), ConditionExpression: "userId = :userId", ExpressionAttributeValues: { ":userId": userId } } },
  ];
}

/** The claim deletions of a deleted user's identities (account deletion's transaction). */
export function identityClaimDeletes(identities: Record<string, LinkedIdentity> | undefined): Delete[] {
  return Object.entries(identities ?? {}).map(([provider, identity]) => ({ Delete: { TableName: users, Key: identityKey(provider, identity.sub) } }));
}
