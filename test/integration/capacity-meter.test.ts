// The bench's capacity meter against DynamoDB Local: it must pass calls through
// unchanged and count what DynamoDB bills, including items DynamoDB Local
// under-reports in transactions.
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startCapacityMeter, type CapacityMeter } from "../../bench/capacity-meter.js";

let meter: CapacityMeter;
let client: DynamoDBClient;
const users = process.env.USERS_TABLE!;
const sessions = process.env.SESSIONS_TABLE!;
const id = () => `METER#${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  meter = await startCapacityMeter(inject("dynamodbEndpoint"));
  client = new DynamoDBClient({ endpoint: meter.endpoint, region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
});
afterAll(async () => {
  client.destroy();
  await meter.close();
});

describe("the capacity meter", () => {
  it("counts a consistent read as 1 read unit and an eventually consistent one as half, passing answers through", async () => {
    const pk = id();
    await client.send(new PutItemCommand({ TableName: users, Item: { pk: { S: pk }, n: { N: "7" } } }));
    const { result, tally } = await meter.measure(async () => {
      const consistent = await client.send(new GetItemCommand({ TableName: users, Key: { pk: { S: pk } }, ConsistentRead: true }));
      await client.send(new GetItemCommand({ TableName: users, Key: { pk: { S: pk } } }));
      return consistent;
    });
    expect(result.Item?.n).toEqual({ N: "7" });
    expect(tally).toMatchObject({ calls: { GetItem: 2 }, readUnits: 1.5, writeUnits: 0, itemsRead: 2, scans: 0 });
  });

  it("counts an item written to a table with an index once for the table and once for the index", async () => {
    const { tally } = await meter.measure(() =>
      client.send(new PutItemCommand({ TableName: sessions, Item: { pk: { S: id() }, userId: { S: "u" } } })),
    );
    expect(tally.writeUnits).toBe(2);
  });

  it("bills every item of a transaction at 2 write units, which DynamoDB Local reports as one item per table", async () => {
    const put = () => ({ Put: { TableName: users, Item: { pk: { S: id() } } } });
    const { tally } = await meter.measure(() => client.send(new TransactWriteItemsCommand({ TransactItems: [put(), put(), put()] })));
    expect(tally.reportedWriteUnits).toBe(2);
    expect(tally.writeUnits).toBe(6);
  });

  it("counts the items a Query reads", async () => {
    const userId = id();
    for (let i = 0; i < 3; i++) {
      await client.send(new PutItemCommand({ TableName: sessions, Item: { pk: { S: id() }, userId: { S: userId } } }));
    }
    const { tally } = await meter.measure(() =>
      client.send(
        new QueryCommand({
          TableName: sessions,
          IndexName: "byUser",
          KeyConditionExpression: "userId = :u",
          ExpressionAttributeValues: { ":u": { S: userId } },
        }),
      ),
    );
    expect(tally.calls).toEqual({ Query: 1 });
    expect(tally.itemsRead).toBe(3);
  });
});
