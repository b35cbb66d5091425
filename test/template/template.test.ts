// The deployable artifact, proven on the packaged CloudFormation template
// (`serverless package --stage prod` needs no AWS account).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
type Resource = { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string };
let resources: Record<string, Resource>;

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const fn = (name: string) => resources[`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`]!;
const statementsOf = (fnName: string) => {
  const roleId = fn(fnName).Properties.Role["Fn::GetAtt"][0];
  return resources[roleId]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement) as any[];
};
const dataStatements = (fnName: string) =>
  statementsOf(fnName).filter((s) => [s.Action].flat().some((a: string) => !a.startsWith("logs:")));
const actions = (fnName: string) => dataStatements(fnName).flatMap((s) => [s.Action].flat()).sort();

const ssmArn = (name: string) => ({
  "Fn::Join": ["", ["arn:aws:ssm:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":parameter", `/auth-api/prod/${name}`]],
});

let out: string;
afterAll(() => rmSync(out, { recursive: true, force: true }));

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "auth-package-"));
  await promisify(execFile)(process.execPath, [join(root, "node_modules/serverless/bin/serverless.js"), "package", "--stage", "prod", "--package", out], {
    cwd: root,
    env: { ...process.env, CORS_ORIGINS: "https://app.example.com,https://admin.example.com", SLS_TELEMETRY_DISABLED: "1" },
  });
  resources = JSON.parse(readFileSync(join(out, "cloudformation-template-update-stack.json"), "utf8")).Resources;
}, 120_000);

describe("the packaged template", () => {
  it("gives every function its own role", () => {
    const roles = ofType("AWS::Lambda::Function").map(([, f]) => f.Properties.Role["Fn::GetAtt"][0]);
    expect(roles.length).toBe(16);
    expect(new Set(roles).size).toBe(roles.length);
  });

  it("grants each function only the DynamoDB actions and ARNs it needs, never a wildcard", () => {
    for (const [, role] of ofType("AWS::IAM::Role")) {
      for (const statement of role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)) {
        expect([statement.Action].flat()).not.toContain("dynamodb:*");
        expect([statement.Action].flat()).not.toContain("*");
        expect([statement.Resource].flat()).not.toContain("*");
      }
    }
    const table = (name: string) => ({ "Fn::GetAtt": [name, "Arn"] });
    expect(dataStatements("authorizer")).toEqual([
      { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: table("SessionsTable") },
      { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ssmArn("public-keys") },
    ]);
    for (const message of ["publicMessage", "protectedMessage", "moderatorMessage", "adminMessage"]) {
      expect(dataStatements(message)).toEqual([]);
    }
    expect(actions("me")).toEqual(["dynamodb:GetItem"]);
    expect(actions("roles")).toEqual(["dynamodb:UpdateItem"]);
    expect(actions("signup")).toEqual(["dynamodb:PutItem", "ssm:GetParameter"]);
    expect(actions("signout")).not.toContain("ssm:GetParameter");
    expect(JSON.stringify(dataStatements("signout"))).toContain("byUser");
  });

  it("gives the session routes and refresh exactly what the device list, revocation and rotation use", () => {
    const table = (name: string) => ({ "Fn::GetAtt": [name, "Arn"] });
    const serverSecret = (statement: any) => JSON.stringify(statement.Resource).includes("server-secret");
    expect(dataStatements("listSessions")).toEqual([
      { Effect: "Allow", Action: ["dynamodb:Query"], Resource: { "Fn::Join": ["/", [table("SessionsTable"), "index", "byUser"]] } },
      { Effect: "Allow", Action: ["dynamodb:BatchGetItem"], Resource: table("SessionsTable") },
      { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: table("UsersTable") },
    ]);
    expect(dataStatements("revokeSession")).toEqual([
      { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: table("SessionsTable") },
      { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: table("UsersTable") },
      { Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: table("EventsTable") },
    ]);
    // Refresh derives the next token with the server secret's rotation key; nothing else here reads that secret.
    expect(dataStatements("refresh").filter(serverSecret)).toEqual([expect.objectContaining({ Action: ["ssm:GetParameter"] })]);
    for (const name of ["listSessions", "revokeSession", "signout", "signup", "signin", "authorizer"]) {
      expect(dataStatements(name).filter(serverSecret), name).toEqual([]);
    }
    // Audit events are written in the transaction of the change: PutItem on the events table only.
    for (const name of ["refresh", "signout", "revokeSession"]) {
      const events = dataStatements(name).filter((s) => JSON.stringify(s.Resource).includes("EventsTable"));
      expect(events, name).toEqual([{ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: table("EventsTable") }]);
    }
  });

  it("sets the refresh grace window (10 s by default) for every function", () => {
    for (const [, f] of ofType("AWS::Lambda::Function")) {
      expect(f.Properties.Environment.Variables.REFRESH_REUSE_GRACE_SECONDS).toBe("10");
    }
  });

  it("keeps the tables: on-demand, point-in-time recovery, retained, TTL on expiresAt, encrypted", () => {
    const tables = ofType("AWS::DynamoDB::Table");
    expect(tables.map(([id]) => id).sort()).toEqual(["EventsTable", "SessionsTable", "UsersTable"]);
    for (const [, table] of tables) {
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.UpdateReplacePolicy).toBe("Retain");
      expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: "expiresAt", Enabled: true });
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    }
  });

  it("puts the authorizer on every protected route and on no public one", () => {
    const methods = ofType("AWS::ApiGateway::Method").filter(([, m]) => m.Properties.HttpMethod !== "OPTIONS");
    const publicRoutes = [
      "ApiGatewayMethodAuthSignupPost",
      "ApiGatewayMethodAuthSigninPost",
      "ApiGatewayMethodAuthRefreshPost",
      "ApiGatewayMethodMessagesPublicGet",
      "ApiGatewayMethodWellDashknownJwksjsonGet",
      "ApiGatewayMethodWellDashknownOpenidDashconfigurationGet",
    ];
    expect(methods).toHaveLength(15);
    for (const [id, method] of methods) {
      if (publicRoutes.includes(id)) expect(method.Properties.AuthorizationType, id).toBe("NONE");
      else {
        expect(method.Properties.AuthorizationType, id).toBe("CUSTOM");
        expect(method.Properties.AuthorizerId, id).toEqual({ Ref: "AuthorizerApiGatewayAuthorizer" });
      }
    }
  });

  it("caches the authorizer's answer for at most 300 s, keyed on the Authorization header only", () => {
    const [[, authorizer]] = ofType("AWS::ApiGateway::Authorizer") as [[string, Resource]];
    expect(authorizer.Properties.Type).toBe("TOKEN");
    expect(authorizer.Properties.IdentitySource).toBe("method.request.header.Authorization");
    expect(authorizer.Properties.AuthorizerResultTtlInSeconds).toBeGreaterThan(0);
    expect(authorizer.Properties.AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(300);
  });

  it("adds a configured origin (never a wildcard or an echo) to errors API Gateway generates", () => {
    const responses = ofType("AWS::ApiGateway::GatewayResponse").map(([, r]) => r.Properties);
    expect(responses.map((r) => r.ResponseType).sort()).toEqual(["DEFAULT_4XX", "DEFAULT_5XX"]);
    for (const response of responses) {
      expect(response.ResponseParameters["gatewayresponse.header.Access-Control-Allow-Origin"]).toBe("'https://app.example.com'");
    }
    // Preflights answer the matching configured origin (a template that tests each one), nothing else.
    const preflight = ofType("AWS::ApiGateway::Method").find(([, m]) => m.Properties.HttpMethod === "OPTIONS")![1];
    const template = preflight.Properties.Integration.IntegrationResponses[0].ResponseTemplates["application/json"];
    expect(template).toContain('$origin.matches("https://app[.]example[.]com")');
    expect(template).toContain('$origin.matches("https://admin[.]example[.]com")');
    expect(JSON.stringify(preflight)).not.toContain("'*'");
  });

  it("throttles the stage, tighter on /auth/*", () => {
    const [[, deployment]] = ofType("AWS::ApiGateway::Deployment") as [[string, Resource]];
    const stage = deployment.Properties.StageDescription;
    expect(stage.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(stage.ThrottlingBurstLimit).toBeGreaterThan(0);
    const auth = stage.MethodSettings.filter((s: any) => s.ResourcePath.startsWith("/~1auth~1"));
    expect(auth.map((s: any) => s.ResourcePath).sort()).toEqual(
      ["/~1auth~1password", "/~1auth~1refresh", "/~1auth~1signin", "/~1auth~1signout", "/~1auth~1signup"],
    );
    for (const setting of auth) {
      expect(setting.ThrottlingRateLimit).toBeLessThan(stage.ThrottlingRateLimit);
      expect(setting.ThrottlingBurstLimit).toBeLessThan(stage.ThrottlingBurstLimit);
    }
  });

  it("reads the token keys from SSM at run time: no key in the template or the environment", () => {
    for (const [, f] of ofType("AWS::Lambda::Function")) {
      const env = f.Properties.Environment.Variables;
      expect(env.SIGNING_KEYS_PARAMETER).toBe("/auth-api/prod/signing-keys");
      expect(env.PUBLIC_KEYS_PARAMETER).toBe("/auth-api/prod/public-keys");
      expect(env.SIGNING_KEYS_FILE).toBe("");
      expect(env.PUBLIC_KEYS_FILE).toBe("");
      expect(env.DYNAMODB_ENDPOINT).toBe("");
      expect(env).not.toHaveProperty("JWT_SECRET_PARAMETER");
      expect(Object.keys(env).filter((k) => /SECRET$|KEY$|PASSWORD/.test(k))).toEqual([]);
    }
    expect(JSON.stringify(resources)).not.toMatch(/"(d|p|q|dp|dq|qi)"\s*:\s*"[A-Za-z0-9_-]{32,}/);
  });

  it("lets only the functions that issue tokens read the private key set; the authorizer and the JWK Set read the public one only", () => {
    const parametersReadBy = (fnName: string) =>
      dataStatements(fnName)
        .filter((s) => [s.Action].flat().includes("ssm:GetParameter"))
        .flatMap((s) => [s.Resource].flat());
    const functions = ofType("AWS::Lambda::Function").map(([id]) => id.replace(/LambdaFunction$/, "")).map((id) => id[0]!.toLowerCase() + id.slice(1));
    const readers = (parameter: string) =>
      functions.filter((name) => parametersReadBy(name).some((arn) => JSON.stringify(arn) === JSON.stringify(ssmArn(parameter)))).sort();
    expect(readers("signing-keys")).toEqual(["refresh", "signin", "signup"]);
    expect(readers("public-keys")).toEqual(["authorizer", "jwks"]);
    for (const name of ["authorizer", "jwks", "openidConfiguration"]) {
      expect(JSON.stringify(statementsOf(name)), name).not.toContain("signing-keys");
      expect(actions(name), name).not.toContain("kms:Decrypt");
    }
    // No wildcard over the parameters that could reach the private set.
    for (const [, role] of ofType("AWS::IAM::Role")) {
      expect(JSON.stringify(role.Properties.Policies)).not.toMatch(/parameter\/auth-api\/prod\/\*|parameter\/\*/);
    }
  });

  it("names the API's own base URL as the issuer (built from the REST API id, region and stage)", () => {
    for (const [, f] of ofType("AWS::Lambda::Function")) {
      expect(f.Properties.Environment.Variables.ISSUER_URL).toEqual({
        "Fn::Join": ["", ["https://", { Ref: "ApiGatewayRestApi" }, ".execute-api.", { Ref: "AWS::Region" }, ".amazonaws.com/", "prod"]],
      });
    }
  });

  it("retains logs for a bounded time and runs nodejs22.x on arm64", () => {
    const logGroups = ofType("AWS::Logs::LogGroup");
    expect(logGroups).toHaveLength(16);
    for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
    for (const [, f] of ofType("AWS::Lambda::Function")) {
      expect(f.Properties.Runtime).toBe("nodejs22.x");
      expect(f.Properties.Architectures).toEqual(["arm64"]);
    }
    expect(fn("signin").Properties.MemorySize).toBe(1769);
  });
});

describe("a stage on a custom domain", () => {
  it("names ISSUER_URL as the issuer when it is set at deploy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "auth-package-issuer-"));
    try {
      await promisify(execFile)(process.execPath, [join(root, "node_modules/serverless/bin/serverless.js"), "package", "--stage", "prod", "--package", dir], {
        cwd: root,
        env: { ...process.env, ISSUER_URL: "https://auth.example.com", SLS_TELEMETRY_DISABLED: "1" },
      });
      const custom: Record<string, Resource> = JSON.parse(readFileSync(join(dir, "cloudformation-template-update-stack.json"), "utf8")).Resources;
      const functions = Object.values(custom).filter((r) => r.Type === "AWS::Lambda::Function");
      expect(functions.length).toBeGreaterThan(0);
      for (const f of functions) expect(f.Properties.Environment.Variables.ISSUER_URL).toBe("https://auth.example.com");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
