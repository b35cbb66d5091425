/**
 * Sends email through Amazon SES (API v2, SendEmail), as the stores are for
 * DynamoDB: the only module that talks to SES. Locally `SES_ENDPOINT` points
 * the same client at the aws-ses-v2-local engine that `npm start` runs.
 */
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { config } from "../platform/config.js";
import { localEndpoint } from "../platform/local-endpoint.js";

export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const ses = new SESv2Client({
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
  ...localEndpoint(config.sesEndpoint),
});

/**
 * `"App Name" <address>`: the display name as an RFC 5322 quoted string, or
 * RFC 2047-encoded when it is not plain ASCII (SES passes both through).
 */
export function fromAddress(name: string, address: string): string {
  if (!name) return address;
  const display = /^[\x20-\x7e]*$/.test(name)
    ? `"${name.replace(/["\\]/g, "\\$&")}"`
    : `=?UTF-8?B?${Buffer.from(name, "utf8").toString("base64")}?=`;
  return `${display} <${address}>`;
}

/** Sends one email; throws when SES refuses or cannot be reached (the mailer's caller retries). */
export async function sendEmail(email: Email): Promise<void> {
  await ses.send(
    new SendEmailCommand({
      FromEmailAddress: fromAddress(config.appName, config.mailFrom),
      Destination: { ToAddresses: [email.to] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: "UTF-8" },
          Body: {
            Text: { Data: email.text, Charset: "UTF-8" },
            Html: { Data: email.html, Charset: "UTF-8" },
          },
        },
      },
    }),
  );
}
