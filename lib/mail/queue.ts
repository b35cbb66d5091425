/**
 * Hands a mail job to the mailer function with an asynchronous Lambda invoke
 * (InvocationType "Event"): the request does not wait for the lookup, token
 * or SES, and Lambda keeps the job, retries a failed delivery
 * (`maximumRetryAttempts`), then sends it to the dead-letter queue
 * (serverless.yml), so no email is lost silently. Locally `LAMBDA_ENDPOINT`
 * points at serverless offline's Lambda port.
 */
import { randomUUID } from "node:crypto";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { config } from "../platform/config.js";
import { ServiceUnavailableError } from "../platform/errors.js";
import { localEndpoint } from "../platform/local-endpoint.js";
import { logger } from "../platform/logger.js";
import type { MailJob, MailRequest } from "./jobs.js";

// Made on first use, not at import: functions that import the account flows without
// ever sending mail (signin, me, roles) then bundle no Lambda client at all.
let lambda: LambdaClient | undefined;
const lambdaClient = () =>
  (lambda ??= new LambdaClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000 },
    ...localEndpoint(config.lambdaEndpoint),
  }));

/** Queues the email; throws ServiceUnavailableError (503) when Lambda does not take the job. */
export async function enqueueMail(request: MailRequest, now = Date.now()): Promise<void> {
  const job: MailJob = { ...request, jobId: randomUUID(), at: now };
  try {
    const { StatusCode } = await lambdaClient().send(
      new InvokeCommand({
        FunctionName: config.mailerFunctionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(job)),
      }),
    );
    if (StatusCode !== 202) throw new Error(`Lambda answered ${StatusCode} to an asynchronous invoke`);
  } catch (error) {
    logger.error({ mailJob: job.type, jobId: job.jobId, errorName: (error as Error)?.name, errorMessage: (error as Error)?.message }, "mail job not queued");
    throw new ServiceUnavailableError();
  }
}

/**
 * For an email that follows a change already made (signup, password change):
 * failing the request now would tell the client the change did not happen.
 * The failure is logged at error level for operators (and alarms), not hidden.
 */
export async function enqueueMailAfterChange(request: MailRequest, now = Date.now()): Promise<void> {
  try {
    await enqueueMail(request, now);
  } catch {
    // enqueueMail logged it.
  }
}
