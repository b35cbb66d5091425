// The local stack is for one developer's machine and asks for no credentials:
// every service `npm start` runs listens on 127.0.0.1 only, never on every
// interface (0.0.0.0 / ::). Read from the kernel's socket tables (Linux /proc).
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynamoDbLocal } from "../../scripts/local-dynamodb.mjs";
import { startStack, type Stack } from "../helpers/stack.js";

interface Listener {
  address: string;
  port: number;
  inode: string;
}

/** An address of /proc/net/tcp{,6}: hex, each 32-bit word in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((word) => Buffer.from(word, "hex").reverse());
  if (words.length === 1) return [...words[0]!].join(".");
  const bytes = Buffer.concat(words);
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${[...bytes.subarray(12)].join(".")}`;
  if (bytes.every((b) => b === 0)) return "::";
  return (bytes.toString("hex").match(/.{4}/g) ?? []).map((group) => group.replace(/^0+(?=.)/, "")).join(":");
}

/** Every listening TCP socket on this machine. */
function listeners(): Listener[] {
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) =>
    readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === "0A") // TCP_LISTEN
      .map((fields) => {
        const [address, port] = fields[1]!.split(":") as [string, string];
        return { address: decodeAddress(address), port: parseInt(port, 16), inode: fields[9]! };
      }),
  );
}

/** The processes whose environment names `dataDir` as AUTH_DATA_DIR: the stack and its children. */
function processesOf(dataDir: string): string[] {
  const marker = `\0AUTH_DATA_DIR=${dataDir}\0`;
  return readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return `\0${readFileSync(`/proc/${pid}/environ`, "latin1")}`.includes(marker);
    } catch {
      return false; // gone, or not ours
    }
  });
}

/** The socket inodes the processes hold open. */
function socketsOf(pids: string[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(`/proc/${pid}/fd`, fd)));
        if (match) inodes.add(match[1]!);
      } catch {
        // closed meanwhile
      }
    }
  }
  return inodes;
}

const portOf = (url: string) => Number(new URL(url).port);

describe.runIf(existsSync("/proc/net/tcp"))("the local stack's network exposure", () => {
  it("starts DynamoDB Local listening on 127.0.0.1 only", async () => {
    const dynamodb = await startDynamoDbLocal({ dataDir: null });
    try {
      expect(listeners().filter((l) => l.port === dynamodb.port).map((l) => l.address)).toEqual(["127.0.0.1"]);
    } finally {
      await dynamodb.stop();
    }
  }, 60_000);

  describe("npm start", () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack();
    });
    afterAll(() => stack?.stop());

    it("listens on 127.0.0.1 only: the API, offline's Lambda port, DynamoDB Local, the SES engine and the web app", () => {
      const mine = socketsOf(processesOf(stack.dataDir));
      const listening = listeners().filter((l) => mine.has(l.inode));
      const dynamodbPort = portOf(readFileSync(join(stack.dataDir, "dynamodb-endpoint"), "utf8"));
      expect(listening.map((l) => l.port)).toEqual(
        expect.arrayContaining([stack.baseUrl, stack.lambdaUrl, stack.mailUrl, stack.appUrl].map(portOf).concat(dynamodbPort)),
      );
      expect(listening.filter((l) => l.address !== "127.0.0.1")).toEqual([]);
    });
  });
});
