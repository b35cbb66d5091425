// Authorizer verify throughput against the raw floor: HMAC-SHA256 over the
// same bytes plus the base64url decodes and JSON.parse any verifier must do.
import type { APIGatewayTokenAuthorizerEvent } from "aws-lambda";
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import jwt from "jsonwebtoken";
import { config } from "../lib/config.js";
import { issueAccessToken, signingKeyFromSecret, verifyAccessToken } from "../lib/tokens.js";
import { compareOpsPerSecond, fmt } from "./measure.js";
import type { Section } from "./run.js";

export async function run(sessionToken: string): Promise<Section> {
  const secret = readFileSync(process.env.JWT_SECRET_FILE!, "utf8").trim();
  const key = signingKeyFromSecret(secret);
  const { accessToken } = issueAccessToken(key, { userId: "4b1d3a52-9f0e-4c1e-8a61-6a3f2b7c9d10", roles: ["user"], sid: "s" });

  const floor = () => {
    const [header, payload, signature] = accessToken.split(".");
    const mac = createHmac("sha256", key).update(`${header}.${payload}`).digest();
    if (!timingSafeEqual(mac, Buffer.from(signature!, "base64url"))) throw new Error("bad");
    JSON.parse(Buffer.from(header!, "base64url").toString());
    return JSON.parse(Buffer.from(payload!, "base64url").toString());
  };
  const options = { algorithms: ["HS256" as const], issuer: config.issuer, audience: config.audience };
  const ours = () => verifyAccessToken(key, accessToken);
  const stringSecret = () => jwt.verify(accessToken, secret, options);

  const { handler } = await import("../functions/authorizer.js");
  const event = { type: "TOKEN", authorizationToken: `Bearer ${sessionToken}`, methodArn: "arn:aws:execute-api:r:1:a/s/GET/x" } as APIGatewayTokenAuthorizerEvent;

  const ops = await compareOpsPerSecond({ floor, ours, stringSecret, handler: () => handler(event) });
  const { floor: floorOps, ours: oursOps, stringSecret: stringOps, handler: handlerOps } = ops;
  const ratio = oursOps / floorOps;
  return {
    title: "Authorizer verify throughput",
    lines: [
      "| path | ops/s | ratio to floor |",
      "|---|---:|---:|",
      `| floor: HMAC-SHA256 + base64url + JSON.parse | ${fmt(floorOps, 0)} | 1.00 |`,
      `| verifyAccessToken (jsonwebtoken, KeyObject made once) | ${fmt(oursOps, 0)} | ${fmt(ratio, 2)} |`,
      `| jsonwebtoken with a string secret (re-imported per call) | ${fmt(stringOps, 0)} | ${fmt(stringOps / floorOps, 2)} |`,
      `| whole authorizer handler incl. the session read (DynamoDB Local) | ${fmt(handlerOps, 0)} | ${fmt(handlerOps / floorOps, 3)} |`,
      "",
      `The KeyObject is ${fmt(oursOps / stringOps, 1)}x faster than a string secret. The whole handler is bound by the one`,
      "session read (a network round trip), not by verification.",
    ],
    goals: [{ text: "verify ≥ 0.35x the floor", met: ratio >= 0.35, value: `${fmt(ratio, 2)}x` }],
  };
}
