import { randomUUID } from "node:crypto";
import { HttpError } from "../../lib/platform/errors.js";

export const PASSWORD = "correct horse battery staple";

/** A fresh, unique email so tests never share users. */
export function uniqueEmail(label = "user"): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

export function uniqueUsername(label = "user"): string {
  return `${label}_${randomUUID().slice(0, 8)}`;
}

/** The payload of a JWT, decoded without verification (test inspection only). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
}

export function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8"));
}

/** What a call of lib/ settles to: its value, or the HttpError it threw (anything else still fails the test). */
export async function outcome<T>(promise: Promise<T>): Promise<T | HttpError> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
}
