import type { ChildProcess } from "node:child_process";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export interface LocalDynamoDb {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function localClient(endpoint: string): DynamoDBClient;
export function answers(endpoint: string): Promise<boolean>;
export function startDynamoDbLocal(options: { dataDir: string | null; port?: number }): Promise<LocalDynamoDb>;
export function tableDefinitions(stage: string): Record<string, unknown>[];
export function ensureTables(endpoint: string, stage: string): Promise<Record<string, string>>;
