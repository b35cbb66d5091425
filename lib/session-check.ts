/**
 * The authorizer's revocation check: is the session an access token names
 * still live? One consistent keyed read of two small attributes. It lives
 * apart from store.ts so that the authorizer's bundle carries no SDK client
 * (see aws-json.ts); the item it reads is the session item store.ts writes.
 */
import { awsJson } from "./aws-json.js";
import { config } from "./config.js";
import { isSessionOpen, sessionPk } from "./session-item.js";

interface GetItemOutput {
  Item?: { expiresAt?: { N: string }; revokedAt?: { N: string } };
}

export async function isSessionActive(sid: string, now = Date.now()): Promise<boolean> {
  const { Item } = await awsJson<GetItemOutput>({
    service: "dynamodb",
    target: "DynamoDB_20120810.GetItem",
    jsonVersion: "1.0",
    endpoint: config.dynamodbEndpoint,
    body: {
      TableName: config.sessionsTable,
      Key: { pk: { S: sessionPk(sid) } },
      ProjectionExpression: "expiresAt, revokedAt",
      ConsistentRead: true,
    },
  });
  if (!Item) return false;
  return isSessionOpen({ revokedAt: Item.revokedAt && Number(Item.revokedAt.N), expiresAt: Number(Item.expiresAt?.N) }, now);
}
