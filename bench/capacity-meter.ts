// A metering proxy in front of DynamoDB Local: every request of every code
// path (the SDK's document client and the authorizer's aws4-signed calls alike)
// passes through it unchanged except for `ReturnConsumedCapacity: "TOTAL"`,
// and the capacity DynamoDB reports back is tallied. Production code stays as
// it is: the bench points DYNAMODB_ENDPOINT at the proxy. DynamoDB Local does
// not check signatures, so the rewritten body is still accepted.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Tally {
  /** Calls by DynamoDB operation, e.g. { GetItem: 2, TransactWriteItems: 1 }. */
  calls: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  /** Items the calls read: 1 per GetItem hit, BatchGetItem's responses, Query/Scan's ScannedCount. */
  itemsRead: number;
  scans: number;
  /** Write units DynamoDB Local itself reported (before the transaction correction below). */
  reportedWriteUnits: number;
}

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const READ_OPERATIONS = new Set(["GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"]);

export const emptyTally = (): Tally => ({ calls: {}, readUnits: 0, writeUnits: 0, itemsRead: 0, scans: 0, reportedWriteUnits: 0 });

/**
 * DynamoDB Local reports a TransactWriteItems call as if it wrote one item per
 * table (2 units, plus its index writes), however many items it wrote there.
 * DynamoDB bills 2 write units per item (per KB) in a transaction, so each
 * further item of a table adds 2. Every item this API writes is under 1 KB.
 */
function transactionCorrection(input: Record<string, unknown>): number {
  const perTable = new Map<string, number>();
  for (const item of (input.TransactItems ?? []) as Record<string, { TableName: string }>[]) {
    const table = Object.values(item)[0]!.TableName;
    perTable.set(table, (perTable.get(table) ?? 0) + 1);
  }
  return [...perTable.values()].reduce((sum, items) => sum + 2 * (items - 1), 0);
}

function record(tally: Tally, operation: string, input: Record<string, unknown>, response: Record<string, unknown>): void {
  tally.calls[operation] = (tally.calls[operation] ?? 0) + 1;
  if (operation === "Scan") tally.scans++;
  for (const capacity of [response.ConsumedCapacity ?? []].flat() as ConsumedCapacity[]) {
    // DynamoDB Local reports only CapacityUnits: which kind they are follows from the operation.
    const read = capacity.ReadCapacityUnits ?? (READ_OPERATIONS.has(operation) ? capacity.CapacityUnits : 0) ?? 0;
    const write = capacity.WriteCapacityUnits ?? (READ_OPERATIONS.has(operation) ? 0 : capacity.CapacityUnits) ?? 0;
    tally.readUnits += read;
    tally.writeUnits += write;
    tally.reportedWriteUnits += write;
  }
  if (operation === "TransactWriteItems") tally.writeUnits += transactionCorrection(input);
  if (operation === "GetItem" && response.Item) tally.itemsRead += 1;
  if (operation === "BatchGetItem") {
    for (const items of Object.values((response.Responses ?? {}) as Record<string, unknown[]>)) tally.itemsRead += items.length;
  }
  if (operation === "Query" || operation === "Scan") tally.itemsRead += Number(response.ScannedCount ?? 0);
}

export interface CapacityMeter {
  endpoint: string;
  /** Runs `fn` and returns what DynamoDB calls it caused, awaiting nothing else in parallel. */
  measure<T>(fn: () => Promise<T>): Promise<{ result: T; tally: Tally }>;
  close(): Promise<void>;
}

export async function startCapacityMeter(target: string): Promise<CapacityMeter> {
  const upstream = new URL(target);
  let tally = emptyTally();
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const operation = String(req.headers["x-amz-target"] ?? "").split(".").pop() ?? "";
      let body = Buffer.concat(chunks);
      let input: Record<string, unknown> = {};
      if (operation && body.length > 0) {
        input = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        if (operation !== "ListTables" && operation !== "CreateTable" && operation !== "DescribeTable") {
          input.ReturnConsumedCapacity = "TOTAL";
        }
        body = Buffer.from(JSON.stringify(input));
      }
      const headers = { ...req.headers, "content-length": String(body.length), host: upstream.host };
      const forward = http.request(
        { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => parts.push(chunk));
          answer.on("end", () => {
            const text = Buffer.concat(parts);
            if (answer.statusCode === 200 && operation) record(tally, operation, input, JSON.parse(text.toString("utf8")));
            // The answer is passed on byte for byte (its x-amz-crc32 still holds).
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(text);
          });
        },
      );
      forward.on("error", (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async measure(fn) {
      tally = emptyTally();
      const result = await fn();
      const measured = tally;
      tally = emptyTally();
      return { result, tally: measured };
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
