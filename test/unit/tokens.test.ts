import { randomBytes } from "node:crypto";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { config } from "../../lib/config.js";
import {
  bearerToken,
  hashRefreshToken,
  issueAccessToken,
  newRefreshToken,
  refreshTokenSid,
  signingKeyFromSecret,
  verifyAccessToken,
} from "../../lib/tokens.js";
import { jwtHeader, jwtPayload } from "../helpers/fixtures.js";
import { attacksOn, forgeToken } from "../helpers/forge.js";

const secret = randomBytes(48).toString("base64url");
const key = signingKeyFromSecret(secret);
const claims = { userId: "3f0c8a3e-1111-4222-8333-444455556666", roles: ["user"], sid: "sid-1" };
const now = () => Math.floor(Date.now() / 1000);
const standard = { iss: config.issuer, aud: config.audience, sub: claims.userId, sid: "sid-1", roles: ["user"], jti: "j" };

describe("access tokens", () => {
  it("carry sub, roles, sid, iss, aud, iat, exp, jti and typ at+jwt, and verify back to the claims", () => {
    const { accessToken, expiresIn } = issueAccessToken(key, claims);
    expect(expiresIn).toBe(900);
    expect(jwtHeader(accessToken)).toEqual({ alg: "HS256", typ: "at+jwt" });
    const payload = jwtPayload(accessToken);
    expect(Object.keys(payload).sort()).toEqual(["aud", "exp", "iat", "iss", "jti", "roles", "sid", "sub"]);
    expect(payload.exp).toBe((payload.iat as number) + 900);
    expect(verifyAccessToken(key, accessToken)).toEqual(claims);
  });

  it("get a fresh jti each time", () => {
    expect(jwtPayload(issueAccessToken(key, claims).accessToken).jti).not.toBe(
      jwtPayload(issueAccessToken(key, claims).accessToken).jti,
    );
  });

  const valid = issueAccessToken(key, claims).accessToken;
  for (const [attack, token] of Object.entries(attacksOn(valid))) {
    it(`reject an attack: ${attack}`, () => {
      expect(() => verifyAccessToken(key, token)).toThrow(expect.objectContaining({ name: "InvalidAccessTokenError" }));
    });
  }

  const rejected: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
    "expired": [{ alg: "HS256", typ: "at+jwt" }, { ...standard, iat: now() - 120, exp: now() - 60 }],
    "not yet valid (nbf)": [{ alg: "HS256", typ: "at+jwt" }, { ...standard, iat: now(), exp: now() + 600, nbf: now() + 300 }],
    "wrong typ": [{ alg: "HS256", typ: "JWT" }, { ...standard, iat: now(), exp: now() + 600 }],
    "no typ": [{ alg: "HS256" }, { ...standard, iat: now(), exp: now() + 600 }],
    "wrong issuer": [{ alg: "HS256", typ: "at+jwt" }, { ...standard, iss: "someone-else", iat: now(), exp: now() + 600 }],
    "wrong audience": [{ alg: "HS256", typ: "at+jwt" }, { ...standard, aud: "another-api", iat: now(), exp: now() + 600 }],
    "no exp": [{ alg: "HS256", typ: "at+jwt" }, { ...standard, iat: now() }],
    "no sid": [{ alg: "HS256", typ: "at+jwt" }, { ...standard, sid: undefined, iat: now(), exp: now() + 600 }],
    "roles not an array": [{ alg: "HS256", typ: "at+jwt" }, { ...standard, roles: "admin", iat: now(), exp: now() + 600 }],
  };
  for (const [name, [header, payload]] of Object.entries(rejected)) {
    it(`reject a correctly signed token that is ${name}`, () => {
      expect(() => verifyAccessToken(key, forgeToken(header, payload, secret))).toThrow(
        expect.objectContaining({ name: "InvalidAccessTokenError" }),
      );
    });
  }

  it("accept the same claims when correctly signed (the forge helper is sound)", () => {
    const token = forgeToken({ alg: "HS256", typ: "at+jwt" }, { ...standard, iat: now(), exp: now() + 600 }, secret);
    expect(verifyAccessToken(key, token).userId).toBe(claims.userId);
    expect(jwt.decode(token)).toMatchObject({ sid: "sid-1" });
  });

  it("refuse a signing secret shorter than 32 bytes", () => {
    expect(() => signingKeyFromSecret("short")).toThrow(/at least 32 bytes/);
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
