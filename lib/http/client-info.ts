/**
 * What a request tells about the device behind it, as API Gateway reports it:
 * the source IP and the User-Agent (capped, since clients choose it). Stored
 * on sessions and audit events so that a user can answer "was this me?".
 */
import type { APIGatewayProxyEvent } from "aws-lambda";

export interface ClientInfo {
  ipAddress?: string;
  userAgent?: string;
}

export const USER_AGENT_MAX_CHARS = 256;

export function clientInfo(event: Pick<APIGatewayProxyEvent, "headers" | "requestContext">): ClientInfo {
  const ipAddress = event.requestContext?.identity?.sourceIp || undefined;
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === "user-agent");
  // Control characters never reach a stored field (or a log line that shows it).
  const userAgent = key === undefined ? undefined : headers[key]?.replace(/\p{Cc}/gu, "").trim().slice(0, USER_AGENT_MAX_CHARS);
  return { ...(ipAddress && { ipAddress }), ...(userAgent && { userAgent }) };
}
