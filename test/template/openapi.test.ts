// openapi.yaml and serverless.yml describe the same routes, with the same protection.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../..", import.meta.url));
const openapi = parse(readFileSync(`${root}/openapi.yaml`, "utf8"));
// The framework's ${...} variables are left as strings: only paths, methods and authorizers are read.
const serverless = parse(readFileSync(`${root}/serverless.yml`, "utf8"));

interface Route {
  route: string;
  protected: boolean;
}

const fromServerless: Route[] = Object.values(serverless.functions as Record<string, { events?: { http?: any }[] }>)
  .flatMap((fn) => fn.events ?? [])
  .filter((event) => event.http)
  .map(({ http }) => ({ route: `${http.method.toUpperCase()} /${http.path}`, protected: Boolean(http.authorizer) }));

const fromOpenapi: Route[] = Object.entries(openapi.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    route: `${method.toUpperCase()} ${path}`,
    protected: (operation.security ?? []).some((s: Record<string, unknown>) => "bearer" in s),
  })),
);

const byRoute = (a: Route, b: Route) => a.route.localeCompare(b.route);

describe("openapi.yaml", () => {
  it("is OpenAPI 3.1", () => {
    expect(openapi.openapi).toBe("3.1.0");
  });

  it("lists exactly the routes of serverless.yml (method and path), each protected exactly where the authorizer is", () => {
    // CORS preflights (OPTIONS) are API Gateway's, made from `cors:` in serverless.yml: neither side lists them.
    expect(fromOpenapi.map((r) => r.route)).not.toContainEqual(expect.stringMatching(/^OPTIONS /));
    expect([...fromOpenapi].sort(byRoute)).toEqual([...fromServerless].sort(byRoute));
  });

  it("names every operation once, with a summary, a description, tags and an explicit security requirement", () => {
    const operations = Object.values(openapi.paths as Record<string, Record<string, any>>).flatMap((methods) => Object.values(methods));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations) {
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.summary && operation.description && operation.tags?.length).toBeTruthy();
      // Public routes inherit the document's `[{}]` (no credentials); protected ones name bearer and the roles they need.
      for (const requirement of operation.security ?? openapi.security) {
        for (const roles of Object.values(requirement as Record<string, string[]>)) {
          for (const role of roles) expect(["user", "moderator", "admin"]).toContain(role);
        }
      }
    }
  });

  it("documents a JSON error response for every 4xx and 5xx it lists", () => {
    for (const methods of Object.values(openapi.paths as Record<string, Record<string, any>>)) {
      for (const operation of Object.values(methods)) {
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          if (Number(status) >= 400) expect(response.$ref).toMatch(/^#\/components\/responses\//);
        }
      }
    }
  });
});
