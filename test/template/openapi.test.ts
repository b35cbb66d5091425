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

  it("lists, on every error response, the snake_case codes it can carry (Error, with `code` narrowed to an enum)", () => {
    for (const [name, response] of Object.entries(openapi.components.responses as Record<string, any>)) {
      const schema = response.content?.["application/json"]?.schema;
      if (!schema?.allOf) continue;
      expect(schema.allOf[0], name).toEqual({ $ref: "#/components/schemas/Error" });
      const codes: string[] = schema.allOf[1].properties.code.enum;
      expect(schema.allOf[1].required, name).toEqual(["code"]);
      expect(codes.length, name).toBeGreaterThan(0);
      for (const code of codes) expect(code, name).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
    }
    expect(openapi.components.schemas.Error.required).toEqual(expect.arrayContaining(["message", "code"]));
  });

  it("gives each kind of route the codes the contract fixes for it", () => {
    const codesOf = (operation: any, status: string): string[] => {
      const ref: string | undefined = operation.responses[status]?.$ref;
      if (!ref) return [];
      const response = openapi.components.responses[ref.split("/").pop()!];
      return response.content["application/json"].schema.allOf[1].properties.code.enum;
    };
    for (const [path, methods] of Object.entries(openapi.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        const route = `${method.toUpperCase()} ${path}`;
        const security: Record<string, string[]>[] = operation.security ?? openapi.security;
        const bearer = security.some((requirement) => "bearer" in requirement);
        if (bearer) expect(codesOf(operation, "401"), route).toContain("unauthorized");
        // A machine token (client credentials) has no user and no roles: every bearer route answers it 403 forbidden, except one marked as accepting it.
        expect(codesOf(operation, "403").includes("forbidden"), route).toBe(bearer && operation["x-machine-tokens"] !== "accepted");
        if (operation.requestBody) {
          expect(codesOf(operation, "400"), route).toEqual(expect.arrayContaining(["invalid_request", "invalid_json"]));
          expect(codesOf(operation, "413"), route).toEqual(["payload_too_large"]);
          expect(codesOf(operation, "415"), route).toEqual(["unsupported_media_type"]);
        }
        expect(codesOf(operation, "429"), route).toContain("too_many_requests");
        expect(codesOf(operation, "500"), route).toEqual(["internal_error"]);
        expect(codesOf(operation, "503"), route).toEqual(["service_unavailable"]);
      }
    }
  });
});
