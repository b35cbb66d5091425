// Sends the API's emails. Invoked asynchronously (lib/mail/queue.ts), never
// over HTTP: Lambda retries a job that throws, then dead-letters it.
import { runMailJob } from "../lib/mail/mailer.js";

export const handler = async (event: unknown): Promise<void> => {
  await runMailJob(event);
};
