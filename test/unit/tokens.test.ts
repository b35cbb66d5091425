import { createPrivateKey, createPublicKey } from "node:crypto";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { config } from "../../lib/platform/config.js";
import { generateSigningKey, publicJwk } from "../../lib/keys/key-set.js";
import { bearerToken, issueAccessToken, issueMachineToken, verifyAccessToken } from "../../lib/keys/access-tokens.js";
import { hashRefreshToken, newRefreshToken, refreshTokenSid } from "../../lib/sessions/refresh-tokens.js";
import { jwtHeader, jwtPayload } from "../helpers/fixtures.js";
import { attacksOn, forgeToken } from "../helpers/forge.js";

const stored = generateSigningKey(0);
const published = publicJwk(stored.jwk, stored.kid);
const signing = { kid: stored.kid, key: createPrivateKey({ key: stored.jwk, format: "jwk" }) };
const keys = new Map([[stored.kid, createPublicKey({ key: published, format: "jwk" })]]);
const claims = {
  userId: "3f0c8a3e-1111-4222-8333-444455556666",
  roles: ["user"],
  sid: "sid-1",
  amr: ["pwd"],
  permissions: [],
  clientId: "first-party",
};
const now = () => Math.floor(Date.now() / 1000);
const standard = { iss: config.issuer, aud: config.audience, sub: claims.userId, sid: "sid-1", roles: ["user"], jti: "j" };
const rs256 = { alg: "RS256", typ: "at+jwt", kid: stored.kid };
const ours = { rsa: signing.key };

describe("access tokens", () => {
  it("are RS256 with the signing key's kid and typ at+jwt, carry sub, roles, permissions, sid, amr, client_id, iss, aud, iat, exp, jti (RFC 9068), and verify back to the claims", () => {
    const { accessToken, expiresIn } = issueAccessToken(signing, claims);
    expect(expiresIn).toBe(900);
    expect(jwtHeader(accessToken)).toEqual({ alg: "RS256", typ: "at+jwt", kid: stored.kid });
    const payload = jwtPayload(accessToken);
    expect(Object.keys(payload).sort()).toEqual(["amr", "aud", "client_id", "exp", "iat", "iss", "jti", "permissions", "roles", "sid", "sub"]);
    expect(payload).toMatchObject({ amr: ["pwd"], permissions: [], client_id: "first-party" });
    expect(payload.exp).toBe((payload.iat as number) + 900);
    expect(payload.iss).toBe(config.issuer);
    expect(verifyAccessToken(keys, accessToken)).toEqual({ kind: "user", ...claims });
  });

  it("get a fresh jti each time", () => {
    expect(jwtPayload(issueAccessToken(signing, claims).accessToken).jti).not.toBe(
      jwtPayload(issueAccessToken(signing, claims).accessToken).jti,
    );
  });

  it("verify by the key their kid names among several published keys", () => {
    const other = generateSigningKey(0);
    const both = new Map([...keys, [other.kid, createPublicKey({ key: publicJwk(other.jwk, other.kid), format: "jwk" })]]);
    const byOther = issueAccessToken({ kid: other.kid, key: createPrivateKey({ key: other.jwk, format: "jwk" }) }, claims).accessToken;
    expect(verifyAccessToken(both, byOther)).toEqual({ kind: "user", ...claims });
    expect(verifyAccessToken(both, issueAccessToken(signing, claims).accessToken)).toEqual({ kind: "user", ...claims });
    // The other key's token does not verify once its key is no longer published.
    expect(() => verifyAccessToken(keys, byOther)).toThrow(expect.objectContaining({ name: "InvalidAccessTokenError" }));
  });

  const valid = issueAccessToken(signing, claims).accessToken;
  for (const [attack, token] of Object.entries(attacksOn(valid, published))) {
    it(`reject an attack: ${attack}`, () => {
      expect(() => verifyAccessToken(keys, token)).toThrow(expect.objectContaining({ name: "InvalidAccessTokenError" }));
    });
  }

  const rejected: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
    "expired": [rs256, { ...standard, iat: now() - 120, exp: now() - 60 }],
    "not yet valid (nbf)": [rs256, { ...standard, iat: now(), exp: now() + 600, nbf: now() + 300 }],
    "wrong typ": [{ ...rs256, typ: "JWT" }, { ...standard, iat: now(), exp: now() + 600 }],
    "no typ": [{ alg: "RS256", kid: stored.kid }, { ...standard, iat: now(), exp: now() + 600 }],
    "wrong issuer": [rs256, { ...standard, iss: "https://someone-else.example", iat: now(), exp: now() + 600 }],
    "wrong audience": [rs256, { ...standard, aud: "another-api", iat: now(), exp: now() + 600 }],
    "no exp": [rs256, { ...standard, iat: now() }],
    "no sid": [rs256, { ...standard, sid: undefined, iat: now(), exp: now() + 600 }],
    "roles not an array": [rs256, { ...standard, roles: "admin", iat: now(), exp: now() + 600 }],
    "marked crit (an extension we do not implement)": [{ ...rs256, crit: ["exp"] }, { ...standard, iat: now(), exp: now() + 600 }],
    "issued a day in the future": [rs256, { ...standard, iat: now() + 86_400, exp: now() + 86_400 + 600 }],
    "issued beyond a minute of clock skew": [rs256, { ...standard, iat: now() + 120, exp: now() + 600 }],
    "without iat": [rs256, { ...standard, exp: now() + 600 }],
  };
  for (const [name, [header, payload]] of Object.entries(rejected)) {
    it(`reject a token signed with our key that is ${name}`, () => {
      expect(() => verifyAccessToken(keys, forgeToken(header, payload, ours))).toThrow(
        expect.objectContaining({ name: "InvalidAccessTokenError" }),
      );
    });
  }

  it("reject PS256 even when signed with our own key: the algorithm is pinned to RS256", () => {
    const token = forgeToken({ ...rs256, alg: "PS256" }, { ...standard, iat: now(), exp: now() + 600 }, { rsa: signing.key, alg: "PS256" });
    expect(() => verifyAccessToken(keys, token)).toThrow(expect.objectContaining({ name: "InvalidAccessTokenError" }));
  });

  it("accept an iat within a minute of clock skew", () => {
    const token = forgeToken(rs256, { ...standard, iat: now() + 30, exp: now() + 600 }, ours);
    expect(verifyAccessToken(keys, token)).toMatchObject({ kind: "user", userId: claims.userId });
  });

  it("accept the same claims when correctly signed (the forge helper is sound)", () => {
    const token = forgeToken(rs256, { ...standard, iat: now(), exp: now() + 600 }, ours);
    expect(verifyAccessToken(keys, token)).toMatchObject({ kind: "user", userId: claims.userId });
    expect(jwt.decode(token)).toMatchObject({ sid: "sid-1" });
  });
});

describe("refresh tokens", () => {
  const sid = "3f0c8a3e-1111-4222-8333-444455556666";

  it("name their session and carry 256 random bits, and are stored only as a hash", () => {
    const token = newRefreshToken(sid);
    const [prefix, secret] = token.split(".");
    expect(prefix).toBe(sid);
    expect(Buffer.from(secret!, "base64url")).toHaveLength(32);
    expect(newRefreshToken(sid)).not.toBe(token);
    expect(hashRefreshToken(token)).not.toContain(secret);
    expect(hashRefreshToken(token)).toBe(hashRefreshToken(token));
  });

  it("are recognised only in their own shape", () => {
    expect(refreshTokenSid(newRefreshToken(sid))).toBe(sid);
    for (const token of ["", "x".repeat(43), `${sid}.short`, `${sid}.${"a".repeat(43)}.x`, `not-a-uuid.${"a".repeat(43)}`]) {
      expect(refreshTokenSid(token)).toBeUndefined();
    }
  });
});

describe("bearer header parsing", () => {
  it("takes the token from 'Bearer <jwt>' only", () => {
    expect(bearerToken("Bearer a.b.c")).toBe("a.b.c");
    expect(bearerToken("bearer a.b.c")).toBe("a.b.c");
    for (const header of [undefined, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b", "Bearer a.b.c extra", "a.b.c"]) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});

describe("machine tokens (client credentials)", () => {
  it("name the client as their subject, carry no sid or roles, and verify as the client's own", () => {
    const { accessToken } = issueMachineToken(signing, { clientId: "worker-1", audience: config.audience });
    const payload = jwt.decode(accessToken) as Record<string, unknown>;
    expect(payload).toMatchObject({ sub: "worker-1", client_id: "worker-1", aud: config.audience });
    expect(payload).not.toHaveProperty("sid");
    expect(payload).not.toHaveProperty("roles");
    expect(verifyAccessToken(keys, accessToken)).toEqual({ kind: "client", clientId: "worker-1", audience: config.audience });
  });

  it("are refused for another audience (a partner API's token is not ours)", () => {
    const { accessToken } = issueMachineToken(signing, { clientId: "worker-1", audience: "https://partner.example.com" });
    expect(() => verifyAccessToken(keys, accessToken)).toThrow(expect.objectContaining({ name: "InvalidAccessTokenError" }));
  });
});
