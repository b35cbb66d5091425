// The OpenID provider's pure rules: which redirect URIs a client may register,
// scopes, and what a client registration may ask for.
import { describe, expect, it } from "vitest";
import { parseClientRegistration, parseClientUpdate, redirectUriProblem } from "../../lib/clients/input.js";
import { hashClientSecret, secretMatches } from "../../lib/clients/client-secrets.js";
import { parseScope } from "../../lib/oauth/scopes.js";
import { withQuery } from "../../lib/oauth/oauth-errors.js";

describe("redirect URIs a client may register", () => {
  it.each([
    ["https://app.example.com/callback", true],
    ["http://localhost:5173/callback", true],
    ["http://127.0.0.1:8080/cb", true],
    ["com.example.app:/oauth2redirect", true],
    ["http://app.example.com/callback", false],
    ["https://app.example.com/callback#x", false],
    ["javascript:alert(1)", false],
    ["data:text/html,hi", false],
    ["/relative", false],
    ["custom:/no-dot-in-scheme", false],
  ])("%s: %s", (uri, allowed) => {
    expect(redirectUriProblem(uri) === undefined).toBe(allowed);
  });
});

describe("client registration", () => {
  it("defaults to the code flow with refresh, needs a redirect URI for it, and keeps client_credentials to confidential clients", () => {
    expect(parseClientRegistration({ name: "SPA", type: "public", redirectUris: ["https://spa.example.com/cb"] })).toEqual({
      name: "SPA",
      type: "public",
      redirectUris: ["https://spa.example.com/cb"],
      postLogoutRedirectUris: [],
      grantTypes: ["authorization_code", "refresh_token"],
    });
    expect(() => parseClientRegistration({ name: "SPA", type: "public" })).toThrow(/redirectUris is required/);
    expect(() => parseClientRegistration({ name: "M", type: "public", grantTypes: ["client_credentials"] })).toThrow(/confidential/);
    expect(parseClientRegistration({ name: "M", type: "confidential", grantTypes: ["client_credentials"] })).toMatchObject({ redirectUris: [], grantTypes: ["client_credentials"] });
    expect(() => parseClientRegistration({ name: "X", type: "other", redirectUris: ["https://x.example.com"] })).toThrow(/type/);
    expect(() => parseClientRegistration({ name: "X", type: "public", redirectUris: ["https://x.example.com"], grantTypes: ["implicit"] })).toThrow(/grantTypes/);
  });

  it("rotates a secret only for a confidential client", () => {
    expect(parseClientUpdate({ rotateSecret: true }, "confidential")).toEqual({ rotateSecret: true });
    expect(() => parseClientUpdate({ rotateSecret: true }, "public")).toThrow(/no secret/);
  });
});

describe("client secrets", () => {
  it("are compared by hash, and a near miss or a missing hash fails", () => {
    const hash = hashClientSecret("s3cret-value");
    expect(secretMatches("s3cret-value", hash)).toBe(true);
    expect(secretMatches("s3cret-valuE", hash)).toBe(false);
    expect(secretMatches("s3cret-value", undefined)).toBe(false);
  });
});

describe("scopes", () => {
  it("are the OpenID ones, without repeats; an unknown one is invalid_scope", () => {
    expect(parseScope("openid email openid")).toEqual(["openid", "email"]);
    expect(parseScope(undefined)).toEqual([]);
    expect(() => parseScope("openid admin")).toThrow(expect.objectContaining({ code: "invalid_scope" }));
  });
});

describe("redirects to the client", () => {
  it("keep the registered URI's own query and add the parameters encoded", () => {
    expect(withQuery("https://rp.example.com/cb?tenant=a", { code: "c", state: "a b&c=d", iss: undefined })).toBe(
      "https://rp.example.com/cb?tenant=a&code=c&state=a+b%26c%3Dd",
    );
  });
});
