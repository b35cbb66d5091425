/**
 * The authorizer's check of an access token against the data, in ONE
 * BatchGetItem (a machine token's: checkClient, one read of its client): the session item the token names (is it live?) and the
 * user item of its subject (does it exist, is it enabled, which roles does
 * it hold now?). Revocation, disabling, deletion and role changes all reach
 * existing access tokens through this read, with no extra round trip.
 *
 * Both reads project only the few attributes below; the authorizer's role
 * allows exactly these (serverless.yml, `dynamodb:Attributes`), so it can
 * never read a password hash. It lives apart from the stores so that the
 * authorizer's bundle carries no SDK client (see aws-json.ts); the items it
 * reads are the ones session-store.ts and users/user-store.ts write.
 */
import { awsJson } from "../platform/aws-json.js";
import { config } from "../platform/config.js";
import { ServiceUnavailableError } from "../platform/errors.js";
import { SESSION_CHECK_ATTRIBUTES } from "./session-check-attributes.js";
import { isSessionCurrent, isSessionOpen, sessionPk } from "./session-item.js";


type Attribute = { S?: string; N?: string; BOOL?: boolean; L?: { S?: string }[] };
type Item = Record<string, Attribute | undefined>;

interface BatchGetItemOutput {
  Responses?: Record<string, Item[]>;
  UnprocessedKeys?: Record<string, unknown>;
}

const number = (attribute: Attribute | undefined) => (attribute?.N === undefined ? undefined : Number(attribute.N));

/** A request for the two items; `pk` names keep reserved words (roles) out of the expression. */
function request(sid: string, userId: string): Record<string, unknown> {
  const read = (key: string, attributes: readonly string[]) => ({
    Keys: [{ pk: { S: key } }],
    ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(", "),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
    ConsistentRead: true,
  });
  return {
    [config.sessionsTable]: read(sessionPk(sid), SESSION_CHECK_ATTRIBUTES.session),
    [config.usersTable]: read(`USER#${userId}`, SESSION_CHECK_ATTRIBUTES.user),
  };
}

/** One BatchGetItem of the requested items: table -> the items found. */
async function batchRead(requestItems: Record<string, unknown>): Promise<Record<string, Item[]>> {
  let pending = requestItems;
  const found: Record<string, Item[]> = {};
  // BatchGetItem may leave keys unprocessed under throttling: ask again for those, a few times.
  for (let attempt = 1; Object.keys(pending).length > 0; attempt++) {
    if (attempt > 3) throw new ServiceUnavailableError();
    const output = await awsJson<BatchGetItemOutput>({
      service: "dynamodb",
      target: "DynamoDB_20120810.BatchGetItem",
      jsonVersion: "1.0",
      endpoint: config.dynamodbEndpoint,
      body: { RequestItems: pending },
    });
    for (const [table, items] of Object.entries(output.Responses ?? {})) (found[table] ??= []).push(...items);
    pending = output.UnprocessedKeys ?? {};
  }
  return found;
}

/**
 * Whether a machine token's client is still registered: one read of its
 * `pk`, the same round trip a user's token costs. Deleting the client ends its tokens.
 */
export async function checkClient(clientId: string): Promise<boolean> {
  const found = await batchRead({
    [config.usersTable]: { Keys: [{ pk: { S: `CLIENT#${clientId}` } }], ProjectionExpression: "pk", ConsistentRead: true },
  });
  return (found[config.usersTable]?.length ?? 0) > 0;
}

/**
 * The user's current roles when the session is live, is the user's own, and
 * the account exists and is enabled; undefined otherwise. A session is live
 * when it is open and current (no "end every session" since it was created:
 * password change or reset, disabling, sign out everywhere).
 */
export async function checkSession(sid: string, userId: string, now = Date.now()): Promise<{ roles: string[]; amr: string[] } | undefined> {
  const found = await batchRead(request(sid, userId));
  const session = found[config.sessionsTable]?.[0];
  const user = found[config.usersTable]?.[0];
  // A token naming another user's session is forged or misissued: never the owner's session.
  if (!session || !user || session.userId?.S !== userId || user.disabled?.BOOL === true) return undefined;
  const createdAt = number(session.createdAt) ?? 0;
  if (!isSessionOpen({ revokedAt: number(session.revokedAt), expiresAt: number(session.expiresAt) ?? 0, createdAt }, now)) return undefined;
  const current = isSessionCurrent(
    { sessionVersion: number(session.sessionVersion), createdAt },
    { sessionVersion: number(user.sessionVersion), sessionsRevokedAt: number(user.sessionsRevokedAt) },
  );
  if (!current) return undefined;
  const strings = (attribute: Attribute | undefined) => (attribute?.L ?? []).map((item) => item.S).filter((item): item is string => typeof item === "string");
  // Sessions stored before `amr` existed were all opened by a password.
  return { roles: strings(user.roles), amr: session.amr ? strings(session.amr) : ["pwd"] };
}
