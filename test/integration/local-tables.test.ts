// The local upgrade path: a data folder from before the users list gets its index at start.
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { ensureTables } from "../../scripts/local-dynamodb.mjs";

describe("local tables", () => {
  it("adds the indexes tables.yml defines to a users table created without them", async () => {
    const endpoint = process.env.DYNAMODB_ENDPOINT!;
    const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    const stage = `upgrade${Date.now()}`;
    const TableName = `auth-api-${stage}-users`;
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
    await ensureTables(endpoint, stage);
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(["byCreatedAt"]);
    await ensureTables(endpoint, stage); // and again: nothing left to add
    client.destroy();
  });
});
