import type { APIGatewayProxyEvent, APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import jwt from "jsonwebtoken";
import { describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/authorizer.js";
import { signup } from "../../lib/accounts/signup.js";
import { registerClient, removeClient } from "../../lib/clients/clients.js";
import { callerFrom, clientCallerFrom } from "../../lib/http/caller.js";
import { issueMachineToken } from "../../lib/keys/access-tokens.js";
import { signingKey } from "../../lib/keys/signing-keys.js";
import { config } from "../../lib/platform/config.js";
import { endSession } from "../../lib/sessions/signout.js";
import { freePort } from "../../scripts/local-dynamodb.mjs";
import { PASSWORD, jwtPayload, uniqueEmail } from "../helpers/fixtures.js";
import { attacksOn, publishedKeyOf } from "../helpers/forge.js";

const methodArn = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/users/me";
const call = (authorizationToken: string, arn = methodArn) =>
  handler({ type: "TOKEN", authorizationToken, methodArn: arn } as APIGatewayTokenAuthorizerEvent);

describe("authorizer", () => {
  it("allows a valid token for the whole stage, with the caller in the context", async () => {
    const { accessToken, user } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const result = await call(`Bearer ${accessToken}`);
    expect(result.principalId).toBe(user.id);
    expect(result.policyDocument.Statement).toEqual([
      { Action: "execute-api:Invoke", Effect: "Allow", Resource: "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*" },
    ]);
    expect(result.context).toEqual({
      kind: "user",
      userId: user.id,
      clientId: config.firstPartyClientId,
      scope: "",
      roles: "user",
      sid: jwtPayload(accessToken).sid,
      amr: "pwd",
      session: "active",
    });
  });

  it("gives the same answer whichever route is called, so a cached answer is safe for every route", async () => {
    const { accessToken } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const me = await call(`Bearer ${accessToken}`);
    const admin = await call(`Bearer ${accessToken}`, "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/messages/admin");
    expect(admin).toEqual(me);
  });

  it("answers exactly 'Unauthorized' for missing, malformed and attacked tokens", async () => {
    const { accessToken } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const attacks = attacksOn(accessToken, publishedKeyOf(accessToken, process.env.PUBLIC_KEYS_FILE!));
    for (const header of ["", "Bearer", "Basic abc", accessToken]) await expect(call(header)).rejects.toThrow(/^Unauthorized$/);
    for (const [attack, token] of Object.entries(attacks)) await expect(call(`Bearer ${token}`), attack).rejects.toThrow(/^Unauthorized$/);
  });

  it("takes a machine token (client credentials) while its client is registered, and refuses it on every route that needs a user", async () => {
    const { client } = await registerClient({ name: "Worker", type: "confidential", redirectUris: [], postLogoutRedirectUris: [], grantTypes: ["client_credentials"] });
    const { accessToken } = issueMachineToken(await signingKey(), { clientId: client.clientId, audience: config.audience });
    const result = await call(`Bearer ${accessToken}`);
    expect(result.principalId).toBe(`client:${client.clientId}`);
    expect(result.context).toEqual({ kind: "client", userId: "", clientId: client.clientId, scope: "", roles: "", sid: "", amr: "", session: "active" });
    // A route that needs a user (or a role) answers 403; the one that needs neither takes it.
    const event = { requestContext: { authorizer: result.context } } as unknown as APIGatewayProxyEvent;
    expect(() => callerFrom(event)).toThrow(expect.objectContaining({ statusCode: 403, code: "forbidden" }));
    expect(clientCallerFrom(event)).toEqual({ clientId: client.clientId, scope: [] });
    await removeClient(client.clientId);
    await expect(call(`Bearer ${accessToken}`)).rejects.toThrow(/^Unauthorized$/);
  });

  it("refuses a token without a session whose subject is not its client (a user's token stripped of sid and roles)", async () => {
    const { accessToken } = await signup({ email: uniqueEmail(), password: PASSWORD });
    const { sid: _sid, roles: _roles, jti: _jti, iat: _iat, exp: _exp, iss: _iss, aud: _aud, sub, ...rest } = jwtPayload(accessToken);
    const stripped = jwt.sign(rest, (await signingKey()).key, {
      algorithm: "RS256",
      header: { alg: "RS256", typ: "at+jwt", kid: (await signingKey()).kid },
      subject: String(sub),
      issuer: config.issuer,
      audience: config.audience,
      expiresIn: 60,
      jwtid: "x",
    });
    await expect(call(`Bearer ${stripped}`)).rejects.toThrow(/^Unauthorized$/);
  });

  it("answers 'Unauthorized' for a valid token of an ended session", async () => {
    const { accessToken } = await signup({ email: uniqueEmail(), password: PASSWORD });
    await endSession(jwtPayload(accessToken).sub as string, jwtPayload(accessToken).sid as string);
    await expect(call(`Bearer ${accessToken}`)).rejects.toThrow(/^Unauthorized$/);
  });

  it("marks the session unverified, without throwing, when the session store is unreachable (real client, closed port)", async () => {
    const { accessToken } = await signup({ email: uniqueEmail(), password: PASSWORD });
    vi.resetModules();
    const saved = process.env.DYNAMODB_ENDPOINT;
    process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${await freePort()}`;
    try {
      const { handler: isolated } = await import("../../functions/authorizer.js");
      const result = await isolated({ type: "TOKEN", authorizationToken: `Bearer ${accessToken}`, methodArn } as APIGatewayTokenAuthorizerEvent);
      expect(result.context?.session).toBe("unverified");
    } finally {
      process.env.DYNAMODB_ENDPOINT = saved;
      vi.resetModules();
    }
  });
});
