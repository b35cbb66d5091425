// The JWK Set and discovery handlers in process, on the test run's key files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { handler as jwks } from "../../functions/well-known/jwks.js";
import { handler as openidConfiguration } from "../../functions/well-known/openid-configuration.js";
import { config } from "../../lib/platform/config.js";
import { generateSigningKey } from "../../lib/keys/key-set.js";
import { apiEvent, lambdaContext } from "../helpers/events.js";

const get = (fn: typeof jwks, path: string, origin = "https://elsewhere.example") =>
  fn(apiEvent({ resource: path, path, headers: { Origin: origin } }), lambdaContext);

describe("the issuer's public documents", () => {
  for (const [name, fn, path] of [["JWK Set", jwks, "/.well-known/jwks.json"], ["discovery", openidConfiguration, "/.well-known/openid-configuration"]] as const) {
    it(`serve the ${name} cacheable and to any origin, with the other security headers kept`, async () => {
      const response = await get(fn, path);
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({
        "Cache-Control": `public, max-age=${config.jwksMaxAgeSeconds}`,
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
        "Content-Type": "application/json",
      });
      expect(config.jwksMaxAgeSeconds).toBeLessThanOrEqual(3600);
    });
  }

  it("discovery names the issuer, its JWK Set and RS256", async () => {
    const body = JSON.parse((await get(openidConfiguration, "/.well-known/openid-configuration")).body);
    expect(body).toMatchObject({
      issuer: config.issuer,
      jwks_uri: `${config.issuer}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: ["RS256"],
    });
  });

  it("serves the public members only, even from a public key file that wrongly holds a private key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "auth-jwks-"));
    const leaked = generateSigningKey(0); // a private JWK, as if copied into the public set by mistake
    writeFileSync(join(dir, "public-keys.json"), JSON.stringify({ keys: [leaked] }));
    vi.stubEnv("PUBLIC_KEYS_FILE", join(dir, "public-keys.json"));
    vi.resetModules();
    try {
      const { handler } = await import("../../functions/well-known/jwks.js");
      const { keys } = JSON.parse((await get(handler, "/.well-known/jwks.json")).body);
      expect(keys).toEqual([{ kty: "RSA", kid: leaked.kid, use: "sig", alg: "RS256", n: leaked.jwk.n, e: leaked.jwk.e }]);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
