// Authorizer verify throughput against the raw floor: one node:crypto RS256
// (RSASSA-PKCS1-v1_5 SHA-256) verify over the same bytes with a KeyObject made
// once, plus the base64url decodes and JSON.parse any verifier must do. The
// outside verifiers a service of ours would use (aws-jwt-verify, jose) verify
// the same token as peer rows, their keys cached too.
import type { APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import { verify as rsaVerify } from "node:crypto";
import { JwtVerifier } from "aws-jwt-verify";
import { createLocalJWKSet, jwtVerify } from "jose";
import { config } from "../lib/platform/config.js";
import { signingKey } from "../lib/keys/signing-keys.js";
import { issueAccessToken, verifyAccessToken } from "../lib/keys/access-tokens.js";
import { verificationKeys } from "../lib/keys/verification-keys.js";
import { compareOpsPerSecond, fmt } from "./measure.js";
import type { Section } from "./run.js";

export async function run(sessionToken: string): Promise<Section> {
  const signing = await signingKey();
  const { byKid, jwks } = await verificationKeys();
  const { accessToken } = issueAccessToken(signing, { userId: "4b1d3a52-9f0e-4c1e-8a61-6a3f2b7c9d10", roles: ["user"], sid: "s", amr: ["pwd"], permissions: [], clientId: "first-party" });
  const publicKey = byKid.get(signing.kid)!;

  const floor = () => {
    const [header, payload, signature] = accessToken.split(".");
    const signed = Buffer.from(`${header}.${payload}`);
    if (!rsaVerify("sha256", signed, publicKey, Buffer.from(signature!, "base64url"))) throw new Error("bad");
    JSON.parse(Buffer.from(header!, "base64url").toString());
    return JSON.parse(Buffer.from(payload!, "base64url").toString());
  };
  const ours = () => verifyAccessToken(byKid, accessToken);

  const awsVerifier = JwtVerifier.create({ issuer: config.issuer, audience: config.audience, jwksUri: `${config.issuer}/.well-known/jwks.json` });
  awsVerifier.cacheJwks(jwks as Parameters<typeof awsVerifier.cacheJwks>[0]);
  const awsJwtVerify = () => awsVerifier.verifySync(accessToken);
  const joseKeys = createLocalJWKSet(jwks);
  const joseOptions = { issuer: config.issuer, audience: config.audience, algorithms: ["RS256"], typ: "at+jwt" };
  const jose = () => jwtVerify(accessToken, joseKeys, joseOptions);

  const { handler } = await import("../functions/authorizer.js");
  const event = { type: "TOKEN", authorizationToken: `Bearer ${sessionToken}`, methodArn: "arn:aws:execute-api:r:1:a/s/GET/x" } as APIGatewayTokenAuthorizerEvent;

  const ops = await compareOpsPerSecond({ floor, ours, awsJwtVerify, jose, handler: () => handler(event) });
  const ratio = ops.ours / ops.floor;
  const row = (name: string, value: number, digits = 2) => `| ${name} | ${fmt(value, 0)} | ${fmt(value / ops.floor, digits)} |`;
  return {
    title: "Authorizer verify throughput",
    lines: [
      "| path | ops/s | ratio to floor |",
      "|---|---:|---:|",
      row("floor: node:crypto RS256 verify (KeyObject made once) + base64url + JSON.parse", ops.floor),
      row("verifyAccessToken (kid lookup + jsonwebtoken, KeyObjects made once per key set)", ops.ours),
      row("aws-jwt-verify JwtVerifier.verifySync, JWK Set cached", ops.awsJwtVerify),
      row("jose jwtVerify with createLocalJWKSet", ops.jose),
      row("whole authorizer handler incl. the session read (DynamoDB Local)", ops.handler, 3),
      "",
      "RSA verification (a public-exponent modular exponentiation) dominates every row; what remains is",
      "each library's parsing and claim checks. The whole handler is bound by the one session read (a",
      "network round trip), not by verification.",
    ],
    goals: [{ text: "verify ≥ 0.5x the node:crypto RS256 floor", met: ratio >= 0.5, value: `${fmt(ratio, 2)}x` }],
  };
}
