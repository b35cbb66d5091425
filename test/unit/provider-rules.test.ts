// The outside providers' rules that need no network: which account an identity
// signs in to (decideAccount) and which identity a signed-in user may link
// (decideLink), as tables; the configuration of AUTH_PROVIDERS (parseProviders:
// a valid entry and its defaults, each malformed field, a repeated id, the
// presets); and Apple's client secret (appleClientSecret: an ES256 JWT checked
// with the public half of the key, as Apple's token endpoint checks it).
import { generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { decideAccount, decideLink, type AccountDecision } from "../../lib/methods/providers/account-rules.js";
import { parseProviders, type ProviderConfig } from "../../lib/methods/providers/provider-config.js";
import { appleClientSecret, clientSecretOf } from "../../lib/methods/providers/provider-secrets.js";

// ---- the account rules -------------------------------------------------------------------------

const IDENTITY_USER = "user-linked";
const EMAIL_OWNER = "user-with-the-email";

type Linked = "linked" | "not linked";
type ProviderSays = "verified" | "unverified" | "no email";
type Existing = "account verified" | "account unverified" | "no account";

/**
 * Every combination of: the identity is linked / the provider verified the email /
 * an account has that email / its own email is verified. `email_not_verified` is
 * tested here, as a rule: the stack's local IdP always reports the email verified
 * (the end-to-end tests add a second instance of it that does not, as an outside provider).
 */
const ACCOUNT_TABLE: [Linked, ProviderSays, Existing, AccountDecision][] = [
  // 1. a linked identity signs in to its user, whatever the emails say
  ["linked", "verified", "account verified", { outcome: "signin", userId: IDENTITY_USER }],
  ["linked", "verified", "account unverified", { outcome: "signin", userId: IDENTITY_USER }],
  ["linked", "verified", "no account", { outcome: "signin", userId: IDENTITY_USER }],
  ["linked", "unverified", "account verified", { outcome: "signin", userId: IDENTITY_USER }],
  ["linked", "unverified", "account unverified", { outcome: "signin", userId: IDENTITY_USER }],
  ["linked", "unverified", "no account", { outcome: "signin", userId: IDENTITY_USER }],
  ["linked", "no email", "no account", { outcome: "signin", userId: IDENTITY_USER }],
  // 2. a verified email and an account with it: linked only when the account's email is verified too
  ["not linked", "verified", "account verified", { outcome: "link", userId: EMAIL_OWNER }],
  ["not linked", "verified", "account unverified", { outcome: "refuse", code: "account_exists" }],
  // 3. a verified email and no account: a new user
  ["not linked", "verified", "no account", { outcome: "create" }],
  // a provider that does not verify the email (or sends none) creates and links nothing
  ["not linked", "unverified", "account verified", { outcome: "refuse", code: "email_not_verified" }],
  ["not linked", "unverified", "account unverified", { outcome: "refuse", code: "email_not_verified" }],
  ["not linked", "unverified", "no account", { outcome: "refuse", code: "email_not_verified" }],
  ["not linked", "no email", "no account", { outcome: "refuse", code: "email_not_verified" }],
];

describe("decideAccount: the contract's account rules", () => {
  it.each(ACCOUNT_TABLE)("identity %s, provider email %s, %s: %o", (linked, says, existing, expected) => {
    // "no email" with emailVerified true: a provider's word about an address it did not send counts for nothing.
    const identity = says === "no email" ? { emailVerified: true } : { email: "ada@example.com", emailVerified: says === "verified" };
    const decision = decideAccount({
      identity,
      ...(linked === "linked" && { linkedUserId: IDENTITY_USER }),
      ...(existing !== "no account" && { accountWithEmail: { userId: EMAIL_OWNER, emailVerified: existing === "account verified" } }),
    });
    expect(decision).toEqual(expected);
  });

  it("covers every combination once", () => {
    const keys = ACCOUNT_TABLE.map(([linked, says, existing]) => `${linked}|${says}|${existing}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const linked of ["linked", "not linked"] as Linked[]) {
      for (const says of ["verified", "unverified"] as ProviderSays[]) {
        for (const existing of ["account verified", "account unverified", "no account"] as Existing[]) {
          expect(keys, `${linked}|${says}|${existing}`).toContain(`${linked}|${says}|${existing}`);
        }
      }
    }
  });

  it("never links or creates without a clear yes from the provider", () => {
    // emailVerified is a boolean by then (relying-party.ts turns "true" into true); an empty email is no email.
    expect(decideAccount({ identity: { email: "", emailVerified: true } })).toEqual({ outcome: "refuse", code: "email_not_verified" });
    expect(decideAccount({ identity: { email: "", emailVerified: true }, accountWithEmail: { userId: EMAIL_OWNER, emailVerified: true } })).toEqual({
      outcome: "refuse",
      code: "email_not_verified",
    });
  });
});

describe("decideLink: which identity a signed-in user may link", () => {
  const ME = "user-me";
  it.each([
    ["a fresh identity, no identity of that provider yet", { userId: ME, sub: "s1" }, { outcome: "link" }],
    ["the caller's own identity again", { userId: ME, sub: "s1", linkedUserId: ME, linkedSubOfProvider: "s1" }, { outcome: "linked-already" }],
    ["another user's identity", { userId: ME, sub: "s1", linkedUserId: "someone-else" }, { outcome: "refuse", code: "identity_in_use" }],
    [
      "another user's identity, the caller having one of that provider",
      { userId: ME, sub: "s1", linkedUserId: "someone-else", linkedSubOfProvider: "s2" },
      { outcome: "refuse", code: "identity_in_use" },
    ],
    ["a second identity of a provider the caller has one of", { userId: ME, sub: "s2", linkedSubOfProvider: "s1" }, { outcome: "refuse", code: "already_registered" }],
  ] as const)("%s", (_name, input, expected) => {
    expect(decideLink(input)).toEqual(expected);
  });
});

// ---- AUTH_PROVIDERS ----------------------------------------------------------------------------

const VALID = { id: "corp-okta", name: "Corp Okta", type: "oidc", issuer: "https://corp.okta.com/", clientId: "0oa123", clientSecret: "s3cret" };
const parseOne = (entry: unknown): ProviderConfig => {
  const parsed = parseProviders(JSON.stringify([entry]));
  expect(parsed).toHaveLength(1);
  return parsed[0]!;
};
const { privateKey: APPLE_PEM, publicKey: APPLE_PUBLIC } = (() => {
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey: pair.publicKey };
})();

describe("parseProviders: valid configuration", () => {
  it("reads an entry with its defaults: scopes openid email profile, response mode query, no trailing slash on the issuer", () => {
    expect(parseOne(VALID)).toEqual({
      id: "corp-okta",
      name: "Corp Okta",
      type: "oidc",
      issuer: "https://corp.okta.com",
      clientId: "0oa123",
      clientSecret: "s3cret",
      scopes: ["openid", "email", "profile"],
      responseMode: "query",
    });
  });

  it("takes type as optional (oidc), a secret from SSM, scopes and form_post as given", () => {
    const { type: _type, clientSecret: _secret, ...rest } = VALID;
    expect(parseOne({ ...rest, clientSecretParameter: "/auth-api/prod/providers/okta", scopes: ["openid", "email"], responseMode: "form_post" })).toEqual({
      id: "corp-okta",
      name: "Corp Okta",
      type: "oidc",
      issuer: "https://corp.okta.com",
      clientId: "0oa123",
      clientSecretParameter: "/auth-api/prod/providers/okta",
      scopes: ["openid", "email"],
      responseMode: "form_post",
    });
  });

  it("reads several providers, an empty list, and a public client without a secret", () => {
    expect(parseProviders("[]")).toEqual([]);
    const { clientSecret: _secret, ...publicClient } = VALID;
    const parsed = parseProviders(JSON.stringify([publicClient, { ...VALID, id: "local", issuer: "http://localhost:8006" }]));
    expect(parsed.map((provider) => provider.id)).toEqual(["corp-okta", "local"]);
    expect(parsed[0]).not.toHaveProperty("clientSecret");
    expect(parsed[1]!.issuer).toBe("http://localhost:8006");
  });

  it("accepts ids of [a-z0-9-] up to 32 characters", () => {
    for (const id of ["a", "google", "my-idp-2", "x".repeat(32), "0-9"]) expect(parseOne({ ...VALID, id }).id).toBe(id);
  });
});

describe("parseProviders: each malformed field is refused, naming the entry and the field", () => {
  it.each([
    ["not JSON", "{", /AUTH_PROVIDERS must be a JSON array/],
    ["an object, not an array", JSON.stringify(VALID), /AUTH_PROVIDERS must be a JSON array/],
    ["null", "null", /AUTH_PROVIDERS must be a JSON array/],
  ])("the whole value: %s", (_name, json, message) => {
    expect(() => parseProviders(json)).toThrow(message);
  });

  it.each([
    ["an entry that is a string", "google", /AUTH_PROVIDERS\[0\] must be an object/],
    ["an entry that is null", null, /AUTH_PROVIDERS\[0\] must be an object/],
    ["an entry that is an array", [VALID], /AUTH_PROVIDERS\[0\] must be an object/],
    ["no id", { ...VALID, id: undefined }, /AUTH_PROVIDERS\[0\]\.id/],
    ["an id with capitals", { ...VALID, id: "Google" }, /AUTH_PROVIDERS\[0\]\.id/],
    ["an id with an underscore", { ...VALID, id: "my_idp" }, /AUTH_PROVIDERS\[0\]\.id/],
    ["an id with a slash", { ...VALID, id: "a/b" }, /AUTH_PROVIDERS\[0\]\.id/],
    ["an id of 33 characters", { ...VALID, id: "x".repeat(33) }, /AUTH_PROVIDERS\[0\]\.id/],
    ["an empty id", { ...VALID, id: "" }, /AUTH_PROVIDERS\[0\]\.id/],
    ["an id that is a number", { ...VALID, id: 7 }, /AUTH_PROVIDERS\[0\]\.id/],
    ["no name", { ...VALID, name: undefined }, /AUTH_PROVIDERS\[0\]\.name/],
    ["an empty name", { ...VALID, name: "" }, /AUTH_PROVIDERS\[0\]\.name/],
    ["a type other than oidc", { ...VALID, type: "saml" }, /AUTH_PROVIDERS\[0\]\.type/],
    ["type oauth2", { ...VALID, type: "oauth2" }, /AUTH_PROVIDERS\[0\]\.type/],
    ["no issuer", { ...VALID, issuer: undefined }, /AUTH_PROVIDERS\[0\]\.issuer/],
    ["an issuer that is not a URL", { ...VALID, issuer: "corp.okta.com" }, /AUTH_PROVIDERS\[0\]\.issuer/],
    ["an issuer of another scheme", { ...VALID, issuer: "ftp://corp.okta.com" }, /AUTH_PROVIDERS\[0\]\.issuer/],
    ["no clientId", { ...VALID, clientId: undefined }, /AUTH_PROVIDERS\[0\]\.clientId/],
    ["an empty clientId", { ...VALID, clientId: "" }, /AUTH_PROVIDERS\[0\]\.clientId/],
    ["a clientSecret that is a number", { ...VALID, clientSecret: 42 }, /AUTH_PROVIDERS\[0\]\.clientSecret/],
    ["an empty clientSecret", { ...VALID, clientSecret: "" }, /AUTH_PROVIDERS\[0\]\.clientSecret/],
    ["a clientSecretParameter that is an object", { ...VALID, clientSecretParameter: {} }, /AUTH_PROVIDERS\[0\]\.clientSecretParameter/],
    ["scopes that are a string", { ...VALID, scopes: "openid email" }, /AUTH_PROVIDERS\[0\]\.scopes/],
    ["scopes without openid", { ...VALID, scopes: ["email", "profile"] }, /AUTH_PROVIDERS\[0\]\.scopes/],
    ["scopes with a number", { ...VALID, scopes: ["openid", 3] }, /AUTH_PROVIDERS\[0\]\.scopes/],
    ["scopes with an empty string", { ...VALID, scopes: ["openid", ""] }, /AUTH_PROVIDERS\[0\]\.scopes/],
    ["response mode fragment", { ...VALID, responseMode: "fragment" }, /AUTH_PROVIDERS\[0\]\.responseMode/],
    ["an unknown preset", { ...VALID, preset: "facebook" }, /AUTH_PROVIDERS\[0\]\.preset/],
    ["apple without keyId", { ...VALID, apple: { teamId: "T", privateKey: APPLE_PEM } }, /AUTH_PROVIDERS\[0\]\.apple/],
    ["apple without teamId", { ...VALID, apple: { keyId: "K", privateKey: APPLE_PEM } }, /AUTH_PROVIDERS\[0\]\.apple/],
    ["apple without a key", { ...VALID, apple: { teamId: "T", keyId: "K" } }, /AUTH_PROVIDERS\[0\]\.apple/],
  ])("%s", (_name, entry, message) => {
    expect(() => parseProviders(JSON.stringify([entry]))).toThrow(message);
  });

  it("names the index of the entry at fault", () => {
    expect(() => parseProviders(JSON.stringify([VALID, { ...VALID, id: "second", clientId: undefined }]))).toThrow(/AUTH_PROVIDERS\[1\]\.clientId/);
  });

  it("refuses an id named twice", () => {
    expect(() => parseProviders(JSON.stringify([VALID, { ...VALID, name: "Other" }]))).toThrow(/corp-okta twice/);
    // Even when a preset fills the rest in.
    expect(() => parseProviders(JSON.stringify([{ id: "g", preset: "google", clientId: "a" }, { id: "g", preset: "google", clientId: "b" }]))).toThrow(/g twice/);
  });
});

describe("parseProviders: presets", () => {
  it("google fills in Google's issuer and name", () => {
    expect(parseOne({ id: "google", preset: "google", clientId: "123.apps.googleusercontent.com", clientSecret: "x" })).toEqual({
      id: "google",
      name: "Google",
      type: "oidc",
      issuer: "https://accounts.google.com",
      clientId: "123.apps.googleusercontent.com",
      clientSecret: "x",
      scopes: ["openid", "email", "profile"],
      responseMode: "query",
      preset: "google",
    });
  });

  it("microsoft fills in the multi-tenant issuer; a tenant's issuer given wins", () => {
    const multi = parseOne({ id: "entra", preset: "microsoft", clientId: "app-id", clientSecret: "x" });
    expect(multi).toMatchObject({ name: "Microsoft", issuer: "https://login.microsoftonline.com/organizations/v2.0", preset: "microsoft" });
    const tenant = parseOne({ id: "entra", preset: "microsoft", clientId: "app-id", issuer: "https://login.microsoftonline.com/tenant-id/v2.0", name: "Contoso" });
    expect(tenant).toMatchObject({ name: "Contoso", issuer: "https://login.microsoftonline.com/tenant-id/v2.0" });
  });

  it("apple fills in Apple's issuer, name, form_post and its scopes, and keeps the key", () => {
    const apple = { teamId: "TEAM123456", keyId: "KEY1234567", privateKey: APPLE_PEM };
    expect(parseOne({ id: "apple", preset: "apple", clientId: "com.example.web", apple })).toEqual({
      id: "apple",
      name: "Apple",
      type: "oidc",
      issuer: "https://appleid.apple.com",
      clientId: "com.example.web",
      scopes: ["openid", "email", "name"],
      responseMode: "form_post",
      preset: "apple",
      apple,
    });
    // The key may come from SSM instead.
    const fromSsm = { teamId: "TEAM123456", keyId: "KEY1234567", privateKeyParameter: "/auth-api/prod/providers/apple-key" };
    expect(parseOne({ id: "apple", preset: "apple", clientId: "com.example.web", apple: fromSsm }).apple).toEqual(fromSsm);
  });

  it("an entry's own values win over the preset's (an Apple-like provider at another issuer, query mode)", () => {
    const parsed = parseOne({ id: "apple-like", preset: "apple", name: "Apple-like", issuer: "http://localhost:8006", clientId: "c", clientSecret: "s", responseMode: "query" });
    expect(parsed).toMatchObject({ name: "Apple-like", issuer: "http://localhost:8006", responseMode: "query", scopes: ["openid", "email", "name"] });
  });

  it("okta and auth0 fill in the name only: the tenant's issuer is required", () => {
    expect(parseOne({ id: "okta", preset: "okta", issuer: "https://corp.okta.com", clientId: "c" })).toMatchObject({ name: "Okta", issuer: "https://corp.okta.com" });
    expect(parseOne({ id: "auth0", preset: "auth0", issuer: "https://tenant.eu.auth0.com/", clientId: "c" })).toMatchObject({
      name: "Auth0",
      issuer: "https://tenant.eu.auth0.com",
    });
    expect(() => parseProviders(JSON.stringify([{ id: "okta", preset: "okta", clientId: "c" }]))).toThrow(/AUTH_PROVIDERS\[0\]\.issuer/);
    expect(() => parseProviders(JSON.stringify([{ id: "auth0", preset: "auth0", clientId: "c" }]))).toThrow(/AUTH_PROVIDERS\[0\]\.issuer/);
  });
});

// ---- Apple's client secret ---------------------------------------------------------------------

describe("appleClientSecret", () => {
  const APPLE = { teamId: "TEAM123456", keyId: "KEY1234567" };
  const provider = { clientId: "com.example.web" };

  it("is an ES256 JWT that the key's public half verifies: kid, iss = team, sub = client, aud = Apple, exp in the future", () => {
    const before = Math.floor(Date.now() / 1000);
    const secret = appleClientSecret(provider, APPLE, APPLE_PEM);
    const header = JSON.parse(Buffer.from(secret.split(".")[0]!, "base64url").toString());
    expect(header).toMatchObject({ alg: "ES256", kid: APPLE.keyId });
    const claims = jwt.verify(secret, APPLE_PUBLIC, {
      algorithms: ["ES256"],
      issuer: APPLE.teamId,
      subject: provider.clientId,
      audience: "https://appleid.apple.com",
    }) as jwt.JwtPayload;
    expect(claims.exp).toBeGreaterThan(before);
    expect(claims.iat).toBeGreaterThanOrEqual(before - 1);
    expect(claims.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    // Apple refuses a secret that lives longer than six months.
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(15_777_000);
  });

  it("is dated by `now`, and does not verify with another key", () => {
    const now = Date.UTC(2030, 0, 1);
    const secret = appleClientSecret(provider, APPLE, APPLE_PEM, now);
    const claims = jwt.decode(secret) as jwt.JwtPayload;
    expect(claims.iat).toBe(now / 1000);
    expect(claims.exp).toBeGreaterThan(now / 1000);
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
    expect(() => jwt.verify(appleClientSecret(provider, APPLE, APPLE_PEM), other, { algorithms: ["ES256"] })).toThrow(/invalid signature/);
  });

  it("is what clientSecretOf answers for an Apple provider; a plain provider's secret is its own", async () => {
    const apple = parseOne({ id: "apple", preset: "apple", clientId: "com.example.web", apple: { ...APPLE, privateKey: APPLE_PEM } });
    const secret = await clientSecretOf(apple);
    expect(jwt.verify(secret!, APPLE_PUBLIC, { algorithms: ["ES256"], issuer: APPLE.teamId, subject: "com.example.web", audience: "https://appleid.apple.com" })).toBeTruthy();
    expect(await clientSecretOf(parseOne(VALID))).toBe("s3cret");
    const { clientSecret: _secret, ...publicClient } = VALID;
    expect(await clientSecretOf(parseOne(publicClient))).toBeUndefined();
  });
});
