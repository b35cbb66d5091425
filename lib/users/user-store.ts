/**
 * The only writer of users and their uniqueness claims, in the users table:
 *
 *   USER#<userId>      the user (UserRecord); also the keys of the sparse GSI
 *                      byCreatedAt (listPk = "USER", listSk = <createdAt>#<userId>),
 *                      which the admin's list reads (user-list.ts)
 *   EMAIL#<email>      uniqueness claim on the canonical email -> userId
 *   USERNAME#<lower>   uniqueness claim on the lower-cased username -> userId
 *
 * A username or email change moves its claim in one transaction with the
 * user item (profile-store.ts, part of this store: `profileUpdateItems`,
 * `emailChangeItems`): the new claim must not exist, the old one must be
 * this user's.
 *
 * Other modules change these items only through the transaction items
 * exported here (`userCreateItems`, `passwordSetUpdate`, `rolesUpdate`, ...),
 * which they combine with their own items and the audit event in one
 * transaction.
 */
import { ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../platform/config.js";
import { batchGet, conditionFailedAt, documentClient, getItem, guarded, isConditionFailed, isTransactionCanceled } from "../platform/dynamodb.js";
import type { ConditionCheck, Delete, Put, Update } from "../platform/transactions.js";

/** An outside provider's identity linked to the user (methods/providers/identity-store.ts writes it). */
export interface LinkedIdentity {
  sub: string;
  email?: string;
  /** ISO time. */
  linkedAt: string;
}

export interface UserRecord {
  userId: string;
  email: string;
  username?: string;
  name?: string;
  roles: string[];
  /** bcrypt; absent for a user who signs in only by other methods (no password signin, reset emails as usual). */
  passwordHash?: string;
  /**
   * Set (true) exactly while there is no passwordHash, so that reads that must
   * not see a hash (the users list) still know whether there is one. Users
   * stored before it existed all have a password: absent means "has one".
   */
  passwordless?: true;
  /** Set (true) while the user has a second factor (a confirmed TOTP, methods/totp/): signin then asks for it. */
  mfaEnabled?: true;
  /** The outside providers' identities linked to the user, by provider id (one each); absent when none. */
  identities?: Record<string, LinkedIdentity>;
  /** The credential ids of the user's passkeys (methods/passkeys/ stores each); absent when none. */
  passkeyIds?: Set<string>;
  createdAt: string;
  /**
   * Counts every "end every session" (password change or reset, disabling,
   * sign out everywhere; absent = 0). A session records the number it was
   * created under and lives only while the user's is still the same, so a
   * signin that read the old password or state cannot outlive the change,
   * however the requests interleave (the contract, Account lifecycle).
   */
  sessionVersion?: number;
  /** Epoch ms of the last "end every session" (shown and audited; sessions stored before sessionVersion are judged by it). */
  sessionsRevokedAt?: number;
  /** Set (true) only while an admin has disabled the account; absent otherwise. */
  disabled?: boolean;
  emailVerified?: boolean;
  /** SHA-256 of the live reset / verification / email-change token (one-time-tokens/); absent when none. */
  resetTokenHash?: string;
  verifyTokenHash?: string;
  emailChangeTokenHash?: string;
}

/** The one-time token kinds whose live token the user item names. */
export type HeldTokenKind = "reset" | "verify" | "email-change";
type HeldTokenAttribute = "resetTokenHash" | "verifyTokenHash" | "emailChangeTokenHash";
const HELD_TOKEN_ATTRIBUTE: Record<HeldTokenKind, HeldTokenAttribute> = {
  reset: "resetTokenHash",
  verify: "verifyTokenHash",
  "email-change": "emailChangeTokenHash",
};

/** The hash of the user's live token of `kind`, if any. */
export const heldTokenHash = (user: UserRecord, kind: HeldTokenKind): string | undefined => user[HELD_TOKEN_ATTRIBUTE[kind]];

const users = config.usersTable;

export const userKey = (userId: string) => ({ pk: `USER#${userId}` });
/** The claims' keys: exported for profile-store.ts, the other half of this store (email and username changes). */
export const emailKey = (email: string) => ({ pk: `EMAIL#${email}` });
export const usernameKey = (username: string) => ({ pk: `USERNAME#${username.toLowerCase()}` });

export const USER_LIST_INDEX = "byCreatedAt";
export const USER_LIST_PK = "USER";

/** The GSI attributes a user item carries (written at signup, or by the backfill for older items). */
export function userListKeys(user: Pick<UserRecord, "userId" | "createdAt">): { listPk: string; listSk: string } {
  return { listPk: USER_LIST_PK, listSk: `${user.createdAt}#${user.userId}` };
}

/** A new user's record: `passwordless` follows from whether it has a password hash. */
export function newUserRecord(fields: Omit<UserRecord, "passwordless">): UserRecord {
  return { ...fields, ...(fields.passwordHash === undefined && { passwordless: true as const }) };
}

/** A stored user item without its keys. */
export function toUserRecord(item: Record<string, unknown> | undefined): UserRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, listPk: _listPk, listSk: _listSk, ...rest } = item;
  return rest as unknown as UserRecord;
}

// ---- reads ----------------------------------------------------------------

/** What any client may see of a user (users.ts `toUser`): never a hash. */
export const USER_FIELDS = ["pk", "userId", "email", "emailVerified", "username", "name", "roles", "disabled", "createdAt", "passwordless", "mfaEnabled"] as const;
/** And whether its sessions live (sessions/sessions.ts `isLive`): what refresh and the device list read. */
export const USER_SESSION_FIELDS = [...USER_FIELDS, "sessionVersion", "sessionsRevokedAt"] as const;
/** And the hashes of its emailed tokens, never the password's: what the mailer and the token spenders read. */
export const USER_TOKEN_FIELDS = [...USER_SESSION_FIELDS, "resetTokenHash", "verifyTokenHash", "emailChangeTokenHash"] as const;
/**
 * And its other ways in, its passkeys' ids and linked identities: what the
 * passkey and identity routes read (their sign-ins open sessions, so
 * USER_SESSION_FIELDS too), and what "never the last way in" counts.
 */
export const USER_METHOD_FIELDS = [...USER_SESSION_FIELDS, "passkeyIds", "identities"] as const;
/** Everything but the password hash: what an admin's deletion or second-factor reset reads (every item to remove). */
export const USER_ACCOUNT_FIELDS = [...USER_TOKEN_FIELDS, "passkeyIds", "identities"] as const;

type UserAttribute = keyof UserRecord | "pk";

/**
 * The user item; `fields` only when given. Only the functions that check or
 * set a password read the whole item (their IAM roles alone may read
 * `passwordHash`, test/template).
 */
export async function getUser(userId: string, fields?: readonly UserAttribute[]): Promise<UserRecord | undefined> {
  return toUserRecord(await getItem(users, userKey(userId), fields));
}

/**
 * Users by id, USER_FIELDS only (never a hash); users that no longer exist are
 * left out, the order is not kept. Eventually consistent reads, at half the
 * cost: the users list that calls this reads an eventually consistent index first anyway.
 */
export async function getUsers(userIds: readonly string[]): Promise<UserRecord[]> {
  return (await batchGet(users, userIds.map(userKey), USER_FIELDS, { consistent: false })).map((item) => toUserRecord(item)!);
}

async function userIdByClaim(key: { pk: string }): Promise<string | undefined> {
  const claim = await getItem(users, key);
  return typeof claim?.userId === "string" ? claim.userId : undefined;
}

export const findUserIdByEmail = (email: string) => userIdByClaim(emailKey(email));
export const findUserIdByUsername = (username: string) => userIdByClaim(usernameKey(username));

/** The user of a canonical email, without its password hash (the mailer's lookup). */
export async function findUserByEmail(email: string): Promise<UserRecord | undefined> {
  const userId = await findUserIdByEmail(email);
  return userId === undefined ? undefined : getUser(userId, USER_TOKEN_FIELDS);
}

// ---- creation -------------------------------------------------------------

/**
 * The items that create a user: its email claim (index 0), its username claim
 * (index 1, when it has one) and the user item. Each must not exist yet.
 */
export function userCreateItems(user: Omit<UserRecord, "passwordless">): Put[] {
  const claims = [
    { ...emailKey(user.email), userId: user.userId },
    ...(user.username ? [{ ...usernameKey(user.username), userId: user.userId }] : []),
  ];
  const item = { ...userKey(user.userId), ...newUserRecord(user), ...userListKeys(user) };
  return [
    ...claims.map((Item) => ({ Put: { TableName: users, Item, ConditionExpression: "attribute_not_exists(pk)" } })),
    { Put: { TableName: users, Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
  ];
}

/** Which claim a failed creation transaction (userCreateItems first) collided with, if any. */
export function takenClaim(error: unknown, user: UserRecord): "email" | "username" | undefined {
  if (!isTransactionCanceled(error)) return undefined;
  if (conditionFailedAt(error, 0)) return "email";
  if (user.username && conditionFailedAt(error, 1)) return "username";
  return undefined;
}

// ---- updates (transaction items) -------------------------------------------

export const userUpdate = (userId: string, update: Omit<Update["Update"], "TableName" | "Key">): Update => ({
  Update: { TableName: users, Key: userKey(userId), ...update },
});
const userCheck = (userId: string, check: Omit<ConditionCheck["ConditionCheck"], "TableName" | "Key">): ConditionCheck => ({
  ConditionCheck: { TableName: users, Key: userKey(userId), ...check },
});

/** The part of an update that ends every session of the user (sessionVersionCheck, sessions.ts `isLive`). */
export const END_SESSIONS = "sessionsRevokedAt = :now, sessionVersion = if_not_exists(sessionVersion, :zero) + :one";
export const endSessionsValues = (now: number) => ({ ":now": now, ":zero": 0, ":one": 1 });

/** Ends every session of the user (the user-level mark): a new sessionVersion, and when. */
export function sessionsRevokedUpdate(userId: string, now: number): Update {
  return userUpdate(userId, {
    UpdateExpression: `SET ${END_SESSIONS}`,
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: endSessionsValues(now),
  });
}

/**
 * A check, in the transaction that creates a session, that the user is still
 * as the signin read it: same sessionVersion (no password change, reset,
 * disabling or "sign out everywhere" since) and enabled.
 */
export function sessionVersionCheck(user: Pick<UserRecord, "userId" | "sessionVersion">): ConditionCheck {
  const { expression, values } = asRead(user);
  return userCheck(user.userId, { ConditionExpression: expression, ...(values && { ExpressionAttributeValues: values }) });
}

/** The condition "still as read" (enabled, same sessionVersion), for an update of the user item that must hold it too. */
export function asRead(user: Pick<UserRecord, "sessionVersion">): { expression: string; values?: Record<string, number> } {
  const version = user.sessionVersion ?? 0;
  return {
    expression: `attribute_exists(pk) AND attribute_not_exists(disabled) AND ${version === 0 ? "attribute_not_exists(sessionVersion)" : "sessionVersion = :version"}`,
    ...(version !== 0 && { values: { ":version": version } }),
  };
}

const ADMIN_AND_ENABLED = "contains(#roles, :admin) AND attribute_not_exists(disabled)";

/** Replaces the roles; with `requireEnabledAdmin`, only while the user is still an enabled admin (their own change). */
export function rolesUpdate(userId: string, roles: string[], options: { requireEnabledAdmin?: boolean } = {}): Update {
  return userUpdate(userId, {
    UpdateExpression: "SET #roles = :roles",
    ConditionExpression: options.requireEnabledAdmin ? ADMIN_AND_ENABLED : "attribute_exists(pk)",
    ExpressionAttributeNames: { "#roles": "roles" },
    ExpressionAttributeValues: { ":roles": roles, ...(options.requireEnabledAdmin && { ":admin": "admin" }) },
  });
}

/** Disables (ending every session: the user-level mark, and its emailed tokens) or enables the account. */
export function disabledUpdate(userId: string, disabled: boolean, now: number): Update {
  return userUpdate(userId, {
    ...(disabled
      ? // Its emailed tokens die too: re-enabling must not revive a link sent before.
        { UpdateExpression: `SET disabled = :true, ${END_SESSIONS} REMOVE resetTokenHash, verifyTokenHash, emailChangeTokenHash`, ExpressionAttributeValues: { ":true": true, ...endSessionsValues(now) } }
      : { UpdateExpression: "REMOVE disabled" }),
    ConditionExpression: "attribute_exists(pk)",
  });
}

/** A check, in someone else's transaction, that `userId` is still an enabled admin. */
export function enabledAdminCheck(userId: string): ConditionCheck {
  return userCheck(userId, {
    ConditionExpression: ADMIN_AND_ENABLED,
    ExpressionAttributeNames: { "#roles": "roles" },
    ExpressionAttributeValues: { ":admin": "admin" },
  });
}

/**
 * Makes `hash` the user's live token of `kind` (the previous one stops
 * working), while the account still has the address `email` that was read:
 * an email change confirmed in between must not leave a live link in the old
 * inbox.
 */
export function heldTokenUpdate(user: Pick<UserRecord, "userId" | "email">, kind: HeldTokenKind, hash: string): Update {
  return userUpdate(user.userId, {
    UpdateExpression: "SET #held = :hash",
    ConditionExpression: "attribute_exists(pk) AND email = :email",
    ExpressionAttributeNames: { "#held": HELD_TOKEN_ATTRIBUTE[kind] },
    ExpressionAttributeValues: { ":hash": hash, ":email": user.email },
  });
}

/** A verification token spent, while the user still holds it and is enabled: the email is verified. */
export function emailVerifiedUpdate(userId: string, tokenHash: string): Update {
  return userUpdate(userId, {
    UpdateExpression: "SET emailVerified = :true REMOVE verifyTokenHash",
    ConditionExpression: "attribute_exists(pk) AND verifyTokenHash = :hash AND attribute_not_exists(disabled)",
    ExpressionAttributeValues: { ":true": true, ":hash": tokenHash },
  });
}

// ---- deletion -------------------------------------------------------------

/**
 * Deletes the user item (index 0) and its claims, conditioned on the user item
 * being the one read (`user`): a claim or token written since would otherwise
 * outlive it. With `refuseAdmin` the user must not be an admin at commit.
 */
export function userDeleteItems(user: UserRecord, options: { refuseAdmin?: boolean } = {}): Delete[] {
  const values: Record<string, unknown> = { ":email": user.email };
  const conditions = ["attribute_exists(pk)", "email = :email"];
  const same = (attribute: "username" | HeldTokenAttribute, placeholder: string) => {
    if (user[attribute] === undefined) conditions.push(`attribute_not_exists(${attribute})`);
    else {
      conditions.push(`${attribute} = ${placeholder}`);
      values[placeholder] = user[attribute];
    }
  };
  same("username", ":username");
  same("resetTokenHash", ":reset");
  same("verifyTokenHash", ":verify");
  same("emailChangeTokenHash", ":emailChange");
  if (options.refuseAdmin) {
    conditions.push("NOT contains(#roles, :admin)");
    values[":admin"] = "admin";
  }
  const claimOf = (key: { pk: string }): Delete => ({
    Delete: { TableName: users, Key: key, ConditionExpression: "userId = :userId", ExpressionAttributeValues: { ":userId": user.userId } },
  });
  return [
    {
      Delete: {
        TableName: users,
        Key: userKey(user.userId),
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeValues: values,
        ...(options.refuseAdmin && { ExpressionAttributeNames: { "#roles": "roles" } }),
      },
    },
    claimOf(emailKey(user.email)),
    ...(user.username ? [claimOf(usernameKey(user.username))] : []),
  ];
}

// ---- upgrade --------------------------------------------------------------

/**
 * The upgrade step for tables written before the list index existed: gives
 * every USER# item that lacks them its listing keys. Idempotent and safe while
 * the API runs (the condition skips items written meanwhile or deleted). It
 * scans once, keys and two attributes only. Returns how many items it updated.
 */
export async function backfillUserListKeys(): Promise<number> {
  let updated = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await guarded(() =>
      documentClient.send(
        new ScanCommand({
          TableName: users,
          FilterExpression: "begins_with(pk, :user) AND attribute_not_exists(listPk)",
          ProjectionExpression: "pk, userId, createdAt",
          ExpressionAttributeValues: { ":user": "USER#" },
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      const keys = userListKeys({ userId: String(item.userId), createdAt: String(item.createdAt) });
      try {
        await guarded(() =>
          documentClient.send(
            new UpdateCommand({
              TableName: users,
              Key: { pk: item.pk },
              UpdateExpression: "SET listPk = :listPk, listSk = :listSk",
              ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(listPk)",
              ExpressionAttributeValues: { ":listPk": keys.listPk, ":listSk": keys.listSk },
            }),
          ),
        );
        updated++;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return updated;
}
