/**
 * Imports users from a file's text: each record read (records.ts), parsed
 * (formats.ts) and checked (import-rules.ts) as the file streams in, then
 * written in transactions of several users, a few transactions at a time.
 *
 * Each user's uniqueness claims (EMAIL#, USERNAME#) are written with its user
 * item by users/user-store.ts `userCreateItems`, in one transaction; several
 * users share one (DynamoDB: at most 100 items), which takes far fewer round
 * trips than one each. When some of them collide with an existing claim,
 * the cancellation names which: those users are skipped (their email is
 * registered, so a rerun imports nothing twice) or fail (a username taken by
 * another account), and the others are written again at once. Throttling and
 * conflicts are retried with backoff; when the database stays unavailable the
 * import stops, and a rerun carries on where it stopped.
 *
 * Each user gets an `imported` event in its transaction: the account's
 * history says how it came to be (not `signup`).
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { auditEventPut } from "../audit/event-store.js";
import { isTransactionCanceled } from "../platform/dynamodb.js";
import { ServiceUnavailableError } from "../platform/errors.js";
import { anyConditionFailed, transactWrite, type Put } from "../platform/transactions.js";
import { takenClaim, userCreateItems } from "../users/user-store.js";
import { FORMATS, type FormatName } from "./formats.js";
import { importedUser, type ImportedUser } from "./import-rules.js";
import { readRecords } from "./records.js";

export type RowOutcome = "imported" | "skipped" | "failed";

/** What became of one row; `reason` for a skipped or failed one (never a value of the row). */
export interface RowReport {
  line: number;
  outcome: RowOutcome;
  reason?: string;
  /** An imported row's roles beyond `user` (moderator, admin): a file can make admins, so the operator is told which. */
  grants?: string[];
}

function granted(user: ImportedUser): Pick<RowReport, "grants"> {
  const grants = user.roles.filter((role) => role !== "user");
  return grants.length > 0 ? { grants } : {};
}

export type ImportCounts = Record<RowOutcome, number>;

export interface ImportOptions {
  format: FormatName;
  /** Each row's fate as it is decided (rows finish out of order: transactions run side by side). */
  onRow?: (report: RowReport) => void;
  /** Users per transaction: each takes 3 or 4 items (user, claims, event) of DynamoDB's 100. */
  batchSize?: number;
  /** Transactions in flight at once. */
  concurrency?: number;
  /** Attempts of one transaction while the database throttles or is unavailable, before the import stops. */
  maxAttempts?: number;
  now?: number;
}

/** The import stopped early (the database stayed unavailable): what was decided up to then. */
export class ImportStoppedError extends Error {
  constructor(
    message: string,
    readonly counts: ImportCounts,
  ) {
    super(message);
    this.name = "ImportStoppedError";
  }
}

interface Pending {
  line: number;
  user: ImportedUser;
  items: Put[];
}

type Reason = { Code?: string };

/** One user's part of a cancelled transaction, as the error takenClaim reads. */
function cancellationOf(reasons: Reason[]): Error {
  return Object.assign(new Error("transaction cancelled"), { name: "TransactionCanceledException", CancellationReasons: reasons });
}

const RETRYABLE_CODES = new Set(["None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"]);

/** A transaction cancelled only by contention or throttling (no item was refused). */
function retryableCancellation(error: unknown): boolean {
  const reasons = (error as { CancellationReasons?: Reason[] }).CancellationReasons ?? [];
  return isTransactionCanceled(error) && reasons.every((reason) => RETRYABLE_CODES.has(reason.Code ?? "None"));
}

/** Full jitter on an exponential backoff: 50 ms, 100 ms, ... up to 5 s. */
const backoff = (attempt: number) => Math.random() * Math.min(5000, 50 * 2 ** attempt);

/** Writes `batch`, reporting each user's outcome; throws when the database stays unavailable. */
async function writeBatch(batch: Pending[], report: (report: RowReport) => void, maxAttempts: number): Promise<void> {
  let pending = batch;
  let attempt = 0;
  while (pending.length > 0) {
    try {
      await transactWrite(pending.flatMap((user) => user.items));
      for (const { line, user } of pending) report({ line, outcome: "imported", ...granted(user) });
      return;
    } catch (error) {
      if (anyConditionFailed(error)) {
        // Every item's reason comes back: settle the users that collided, write the rest again now.
        const reasons = (error as { CancellationReasons?: Reason[] }).CancellationReasons ?? [];
        const rest: Pending[] = [];
        let offset = 0;
        for (const user of pending) {
          const own = reasons.slice(offset, (offset += user.items.length));
          const taken = takenClaim(cancellationOf(own), user.user);
          if (taken === "email") report({ line: user.line, outcome: "skipped", reason: "email is already registered" });
          else if (taken === "username") report({ line: user.line, outcome: "failed", reason: "username is already taken by another account" });
          else if (own.some((reason) => reason.Code === "ConditionalCheckFailed")) report({ line: user.line, outcome: "failed", reason: "could not be written" });
          else rest.push(user);
        }
        pending = rest;
        continue;
      }
      // Throttling comes back as a 503 (platform/dynamodb.ts `guarded`) or as a cancellation
      // (ThrottlingError, ProvisionedThroughputExceeded, TransactionConflict): both are worth a wait.
      if (!(error instanceof ServiceUnavailableError) && !retryableCancellation(error)) throw error;
      if (++attempt >= maxAttempts) throw new ServiceUnavailableError();
      await sleep(backoff(attempt));
    }
  }
}

/**
 * Imports the users of `input` (a file's bytes or text) into the users table.
 * Returns how many rows were imported, skipped (email already registered) and
 * failed (each reported with its line and reason through `onRow`).
 */
export async function importUsers(input: AsyncIterable<string | Buffer>, options: ImportOptions): Promise<ImportCounts> {
  const { batchSize = 10, concurrency = 8, maxAttempts = 10, now = Date.now() } = options;
  const format = FORMATS[options.format];
  const counts: ImportCounts = { imported: 0, skipped: 0, failed: 0 };
  const report = (row: RowReport) => {
    counts[row.outcome]++;
    options.onRow?.(row);
  };
  // Canonical email / lower-cased username -> the line that has it: a file must not hold one twice.
  const emails = new Map<string, number>();
  const usernames = new Map<string, number>();

  const inFlight = new Set<Promise<void>>();
  let stopped: unknown;
  const launch = (batch: Pending[]) => {
    const write: Promise<void> = writeBatch(batch, report, maxAttempts)
      .catch((error: unknown) => void (stopped ??= error))
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
  };

  let batch: Pending[] = [];
  for await (const record of readRecords(input, { csv: format.csv })) {
    if (stopped) break;
    const { line } = record;
    if ("problem" in record) {
      report({ line, outcome: "failed", reason: record.problem });
      continue;
    }
    const parsed = format.parse(record.value, now);
    if ("problem" in parsed) {
      report({ line, outcome: "failed", reason: parsed.problem });
      continue;
    }
    const checked = importedUser(parsed.row, { userId: randomUUID(), now }, format.names);
    if ("problems" in checked) {
      report({ line, outcome: "failed", reason: checked.problems.join("; ") });
      continue;
    }
    const { user } = checked;
    const emailLine = emails.get(user.email);
    const usernameLine = user.username === undefined ? undefined : usernames.get(user.username.toLowerCase());
    if (emailLine !== undefined) {
      report({ line, outcome: "failed", reason: `${format.names.email} appears again (first on line ${emailLine})` });
      continue;
    }
    emails.set(user.email, line);
    if (usernameLine !== undefined) {
      report({ line, outcome: "failed", reason: `${format.names.username} appears again (first on line ${usernameLine})` });
      continue;
    }
    if (user.username !== undefined) usernames.set(user.username.toLowerCase(), line);

    // The event goes last: takenClaim reads the user's items by their place in userCreateItems.
    batch.push({ line, user, items: [...userCreateItems(user), auditEventPut({ userId: user.userId, type: "imported", at: now })] });
    if (batch.length >= batchSize) {
      launch(batch);
      batch = [];
      // Backpressure: the file is read no faster than the table takes it.
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  }
  if (batch.length > 0 && !stopped) launch(batch);
  await Promise.all(inFlight);
  if (stopped instanceof ServiceUnavailableError) {
    throw new ImportStoppedError("The database is unavailable or throttling: import stopped. Run it again to go on; no user is imported twice.", counts);
  }
  if (stopped) throw stopped;
  return counts;
}
