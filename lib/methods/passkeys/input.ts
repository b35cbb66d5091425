/** The bodies of the passkey routes. Responses are checked in depth by the WebAuthn verification; here only their shape. */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { checker } from "../../http/checker.js";

type Checker = ReturnType<typeof checker>;

export const PASSKEY_NAME_MAX = 64;

/** A credential id as the WebAuthn JSON forms carry it: base64url, at most 1023 bytes (WebAuthn's limit). */
const CREDENTIAL_ID = /^[A-Za-z0-9_-]{1,1364}$/;

function credentialResponse(c: Checker, body: Record<string, unknown>): unknown {
  const response = body.response;
  const inner = typeof response === "object" && response !== null ? (response as Record<string, unknown>) : undefined;
  const shaped =
    inner !== undefined &&
    typeof inner.id === "string" && CREDENTIAL_ID.test(inner.id) &&
    inner.type === "public-key" &&
    typeof inner.response === "object" && inner.response !== null &&
    typeof (inner.response as Record<string, unknown>).clientDataJSON === "string";
  if (!shaped) c.problem("response", "must be a WebAuthn credential in its JSON form (id, type public-key, response)");
  return response;
}

function passkeyName(c: Checker, required: boolean): string | undefined {
  return c.name("name", { required, max: PASSKEY_NAME_MAX });
}

export function parsePasskeyRegistration(body: unknown): { response: RegistrationResponseJSON; name?: string } {
  const c = checker(body);
  const response = credentialResponse(c, body as Record<string, unknown>);
  const name = passkeyName(c, false);
  c.done();
  return { response: response as RegistrationResponseJSON, ...(name && { name }) };
}

export function parsePasskeyRename(body: unknown): { name: string } {
  const c = checker(body);
  const name = passkeyName(c, true);
  c.done();
  return { name: name! };
}

/** `{}` for a sign-in with a discoverable passkey, `{ "mfaToken" }` for the second step. */
export function parsePasskeyOptionsRequest(body: unknown): { mfaToken?: string } {
  if (body === undefined) return {};
  const c = checker(body);
  const mfaToken = c.string("mfaToken", { required: false, max: 128 });
  c.done();
  return mfaToken ? { mfaToken } : {};
}

export function parsePasskeyAssertion(body: unknown): { response: AuthenticationResponseJSON; mfaToken?: string } {
  const c = checker(body);
  const response = credentialResponse(c, body as Record<string, unknown>);
  const mfaToken = c.string("mfaToken", { required: false, max: 128 });
  c.done();
  return { response: response as AuthenticationResponseJSON, ...(mfaToken && { mfaToken }) };
}

/** A passkey's id in a path: a credential id, or 404 (the caller answers it). */
export const isCredentialId = (id: string | undefined): id is string => id !== undefined && CREDENTIAL_ID.test(id);
