// Resource servers nobody here wrote, checking tokens of the OpenID provider
// over the real stack:
// - an Express API with express-oauth2-jwt-bearer (`auth({ issuerBaseURL,
//   audience })`, Auth0's tutorial permission check on `read:admin-messages`,
//   claimIncludes, requiredScopes), fed tokens that openid-client got through
//   the hosted page: admin 200, user 403;
// - jose (createRemoteJWKSet + jwtVerify) on a client-credentials machine
//   token, which our own API accepts only where no user or role is needed,
//   and no longer once its client is deleted.
import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import type { Server } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { auth, claimCheck, claimIncludes, InsufficientScopeError, requiredScopes, UnauthorizedError } from "express-oauth2-jwt-bearer";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oidcClient from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwtPayload } from "../helpers/fixtures.js";
import { codeFlow, oidc, type Account, type Oidc, type RegisteredClient } from "../helpers/oidc.js";
import { startStack, type Stack } from "../helpers/stack.js";

const CALLBACK = "http://localhost:6060/callback";
const ORDERS_API = "https://orders.example.com/api";

let stack: Stack;
let kit: Oidc;
let web: RegisteredClient; // public, the API's default audience
let orders: RegisteredClient; // public, audience ORDERS_API
let apiAudience: string;

beforeAll(async () => {
  stack = await startStack();
  kit = oidc(stack);
  const [a, b] = await Promise.all([
    kit.registerClient({ name: "Messages app", type: "public", redirectUris: [CALLBACK] }),
    kit.registerClient({ name: "Orders app", type: "public", redirectUris: [CALLBACK], audience: ORDERS_API }),
  ]);
  web = a.client;
  orders = b.client;
  apiAudience = web.audience;
});

afterAll(async () => {
  await stack?.stop();
});

/** Access tokens of `account` for `client`, through openid-client and the hosted page. */
async function accessTokenFor(account: Account, client: RegisteredClient): Promise<string> {
  const config = await kit.relyingParty(client.clientId);
  const { tokens } = await codeFlow(kit, config, { redirectUri: CALLBACK, signer: { email: account.email, password: account.password } });
  return tokens.access_token;
}

/** A listening HTTP server on loopback, and its base URL. */
async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * The API of Auth0's "Express.js API: Role-Based Access Control" sample: `auth()` for
 * every route, the permission check through claimCheck throwing InsufficientScopeError
 * (403), and the sample's error handler.
 */
function messagesApi(issuerBaseURL: string, audience: string): express.Express {
  const checkRequiredPermissions = (requiredPermissions: string[]) => (req: Request, res: Response, next: NextFunction) => {
    const permissionCheck = claimCheck((payload) => {
      const permissions = (payload.permissions ?? []) as string[];
      const hasPermissions = requiredPermissions.every((permission) => permissions.includes(permission));
      if (!hasPermissions) throw new InsufficientScopeError();
      return hasPermissions;
    });
    permissionCheck(req, res, next);
  };
  const app = express();
  app.use("/api", auth({ issuerBaseURL, audience }));
  app.get("/api/messages/protected", (req, res) => void res.json({ text: "protected", sub: req.auth?.payload.sub }));
  app.get("/api/messages/admin", checkRequiredPermissions(["read:admin-messages"]), (_req, res) => void res.json({ text: "admin" }));
  app.get("/api/claim-includes/admin", claimIncludes("permissions", "read:admin-messages"), (_req, res) => void res.json({ text: "admin" }));
  app.get("/api/scoped", requiredScopes("openid"), (_req, res) => void res.json({ text: "scoped" }));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof InsufficientScopeError) return void res.status(403).json({ message: "Permission denied" });
    if (error instanceof UnauthorizedError) return void res.status(error.status).json({ message: error.message });
    next(error);
  });
  return app;
}

const bearer = async (url: string, token?: string) =>
  (await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })).status;

describe("express-oauth2-jwt-bearer (Auth0's Express API sample)", () => {
  let api: { url: string; server: Server };
  let ordersApi: { url: string; server: Server };
  beforeAll(async () => {
    api = await listen(messagesApi(stack.baseUrl, apiAudience));
    ordersApi = await listen(messagesApi(stack.baseUrl, ORDERS_API));
  });
  afterAll(() => {
    api?.server.close();
    ordersApi?.server.close();
  });

  it("discovers the issuer by issuerBaseURL and lets an admin through the permission check (200), a user not (403)", async () => {
    const admin = await kit.admin();
    const user = await kit.signup();
    const [adminToken, userToken] = await Promise.all([accessTokenFor(admin, web), accessTokenFor(user, web)]);
    expect(jwtPayload(adminToken).permissions).toEqual(expect.arrayContaining(["read:admin-messages"]));
    expect(jwtPayload(userToken).permissions).toEqual([]);

    expect(await bearer(`${api.url}/api/messages/protected`, adminToken)).toBe(200);
    expect(await bearer(`${api.url}/api/messages/protected`, userToken)).toBe(200);
    expect(await bearer(`${api.url}/api/messages/admin`, adminToken)).toBe(200);
    expect(await bearer(`${api.url}/api/messages/admin`, userToken)).toBe(403);
    // claimIncludes: the library's own answer to a claim that does not match is 401 invalid_token.
    expect(await bearer(`${api.url}/api/claim-includes/admin`, adminToken)).toBe(200);
    expect(await bearer(`${api.url}/api/claim-includes/admin`, userToken)).toBe(401);
    // requiredScopes reads `scope`, which tokens from /oauth2/token carry.
    expect(await bearer(`${api.url}/api/scoped`, userToken)).toBe(200);
    // Our own API agrees with it on roles.
    expect(await kit.status("/messages/admin", adminToken)).toBe(200);
    expect(await kit.status("/messages/admin", userToken)).toBe(403);
  });

  it("refuses no token, a tampered token, and a token for another audience", async () => {
    const user = await kit.signup();
    const [userToken, ordersToken] = await Promise.all([accessTokenFor(user, web), accessTokenFor(user, orders)]);
    expect(await bearer(`${api.url}/api/messages/protected`)).toBe(401);
    const [header, payload, signature] = userToken.split(".");
    const forged = Buffer.from(JSON.stringify({ ...jwtPayload(userToken), permissions: ["read:admin-messages"] })).toString("base64url");
    expect(forged).not.toBe(payload);
    expect(await bearer(`${api.url}/api/messages/admin`, `${header}.${forged}.${signature}`)).toBe(401);
    // The client's audience is the token's `aud`: its own API takes it, the default one does not.
    expect(jwtPayload(ordersToken).aud).toBe(ORDERS_API);
    expect(await bearer(`${ordersApi.url}/api/messages/protected`, ordersToken)).toBe(200);
    expect(await bearer(`${api.url}/api/messages/protected`, ordersToken)).toBe(401);
    expect(await bearer(`${ordersApi.url}/api/messages/protected`, userToken)).toBe(401);
  });

  it("a machine token passes auth() but not the permission or scope checks", async () => {
    const { client, clientSecret } = await kit.registerClient({ type: "confidential", grantTypes: ["client_credentials"] });
    const config = await kit.relyingParty(client.clientId, { clientSecret });
    const machine = (await oidcClient.clientCredentialsGrant(config)).access_token;
    expect(await bearer(`${api.url}/api/messages/protected`, machine)).toBe(200);
    expect(await bearer(`${api.url}/api/messages/admin`, machine)).toBe(403);
  });
});

describe("machine tokens (client credentials) verified with jose", () => {
  it("verify by the remote JWK Set (iss, aud, typ at+jwt); sub is the client; the API takes them only where no user is needed; deleting the client ends them", async () => {
    const { client, clientSecret } = await kit.registerClient({ name: "Nightly job", type: "confidential", grantTypes: ["client_credentials"] });
    expect(client.redirectUris).toEqual([]);
    const reply = await kit.token({ grant_type: "client_credentials" }, { method: "client_secret_post", clientId: client.clientId, clientSecret: clientSecret! });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get("cache-control")).toMatch(/no-store/);
    expect(reply.body.token_type).toBe("Bearer");
    expect(reply.body).not.toHaveProperty("refresh_token");
    expect(reply.body).not.toHaveProperty("id_token");
    const token: string = reply.body.access_token;

    const metadata: any = await (await fetch(`${stack.baseUrl}/.well-known/openid-configuration`)).json();
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: metadata.issuer,
      audience: client.audience,
      typ: "at+jwt",
      algorithms: ["RS256"],
    });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.sub).toBe(client.clientId);
    expect(payload.client_id).toBe(client.clientId);
    expect(payload).not.toHaveProperty("sid");
    expect(payload).not.toHaveProperty("roles");
    expect.soft(payload.permissions, "the design: machine tokens carry permissions: []").toEqual([]);
    expect(payload.exp! - payload.iat!).toBe(reply.body.expires_in);

    // Another audience, or an ID-token verifier's expectations, are refused by jose too.
    await expect(jwtVerify(token, jwks, { issuer: metadata.issuer, audience: "someone-else", typ: "at+jwt" })).rejects.toThrow();

    expect(await kit.status("/messages/protected", token)).toBe(200);
    const me = await kit.call("GET", "/users/me", { token });
    expect(me.status, me.text).toBe(403);
    expect(me.body.code).toBe("forbidden");
    expect(await kit.status("/messages/admin", token)).toBe(403);
    expect(await kit.status("/messages/moderator", token)).toBe(403);
    expect(await kit.status("/users/me/sessions", token)).toBe(403);

    await kit.deleteClient(client.clientId);
    const after = await kit.call("GET", "/messages/protected", { token });
    expect(after.status, after.text).toBe(401);
    expect(after.body?.code).toBe("unauthorized");
    // And no new one is issued.
    const again = await kit.token({ grant_type: "client_credentials" }, { method: "client_secret_post", clientId: client.clientId, clientSecret: clientSecret! });
    expect(again.status).toBe(401);
    expect(again.body.error).toBe("invalid_client");
  });

  it("a machine client registered by `npm run create-client` gets tokens the API takes", async () => {
    const { stdout } = await promisify(execFile)(
      "npm",
      ["run", "-s", "create-client", "--", "--name", "Cron job", "--confidential", "--grant", "client_credentials"],
      { env: { ...process.env, AUTH_DATA_DIR: stack.dataDir } },
    );
    const clientId = /clientId:\s*(\S+)/.exec(stdout)?.[1];
    const clientSecret = /clientSecret:\s*(\S+)/.exec(stdout)?.[1];
    expect(clientId, stdout).toBeTruthy();
    expect(clientSecret, stdout).toBeTruthy();
    const registered = await kit.call("GET", `/oauth2/clients/${clientId}`, { token: (await kit.admin()).accessToken });
    expect(registered.body.client).toMatchObject({ clientId, name: "Cron job", type: "confidential", grantTypes: ["client_credentials"] });
    const config = await kit.relyingParty(clientId!, { clientSecret, auth: "client_secret_basic" });
    const { access_token: token } = await oidcClient.clientCredentialsGrant(config);
    expect(jwtPayload(token).sub).toBe(clientId);
    expect(await kit.status("/messages/protected", token)).toBe(200);
  });

  it("a rotated secret: the old one stops authenticating, the new one works", async () => {
    const { client, clientSecret } = await kit.registerClient({ type: "confidential", grantTypes: ["client_credentials"] });
    const rotated = await kit.call("PATCH", `/oauth2/clients/${client.clientId}`, { token: (await kit.admin()).accessToken, json: { rotateSecret: true } });
    expect(rotated.status, rotated.text).toBe(200);
    expect(typeof rotated.body.clientSecret).toBe("string");
    expect(rotated.body.clientSecret).not.toBe(clientSecret);
    const old = await kit.token({ grant_type: "client_credentials" }, { method: "client_secret_basic", clientId: client.clientId, clientSecret: clientSecret! });
    expect(old.status).toBe(401);
    const fresh = await kit.token({ grant_type: "client_credentials" }, { method: "client_secret_basic", clientId: client.clientId, clientSecret: rotated.body.clientSecret });
    expect(fresh.status, fresh.text).toBe(200);
  });
});
