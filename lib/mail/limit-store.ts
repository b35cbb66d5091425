/**
 * Counters of emails sent per address (limits.ts), in the users table:
 *
 *   MAILLIMIT#<purpose>#<windowSeconds>#<email>   { jobs: string set of the admitted job ids, expiresAt }   (expires)
 *
 * The set's size is the count; adding to it is atomic, and adding a job id
 * that is already there (a retried delivery) changes nothing. An item whose
 * `expiresAt` has passed counts as absent, whatever TTL has done with it.
 */
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { config } from "../platform/config.js";
import { documentClient, guarded, isConditionFailed } from "../platform/dynamodb.js";

const users = config.usersTable;
const limitKey = (key: string) => ({ pk: `MAILLIMIT#${key}` });

/**
 * Admits `jobId` to the window counted at `key` if it holds fewer than `max`
 * jobs (or already holds this one). A window that expired starts again.
 */
export async function admitToWindow(key: string, jobId: string, window: { seconds: number; max: number }, now: number): Promise<boolean> {
  const nowSeconds = Math.floor(now / 1000);
  try {
    // The common case first: no live window, so this job opens one.
    await guarded(() =>
      documentClient.send(
        new PutCommand({
          TableName: users,
          Item: { ...limitKey(key), jobs: new Set([jobId]), expiresAt: nowSeconds + window.seconds },
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :now",
          ExpressionAttributeValues: { ":now": nowSeconds },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
  }
  try {
    await guarded(() =>
      documentClient.send(
        new UpdateCommand({
          TableName: users,
          Key: limitKey(key),
          UpdateExpression: "ADD jobs :job",
          ConditionExpression: "expiresAt > :now AND (size(jobs) < :max OR contains(jobs, :jobId))",
          ExpressionAttributeValues: { ":job": new Set([jobId]), ":jobId": jobId, ":now": nowSeconds, ":max": window.max },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}
