// The deployable artifact, proven on the packaged CloudFormation template
// (`serverless package --stage prod` needs no AWS account).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLIENT_AUTH_FIELDS, CLIENT_FIELDS } from "../../lib/clients/client-store.js";
import { SESSION_CHECK_ATTRIBUTES } from "../../lib/sessions/session-check-attributes.js";
import { USER_ACCOUNT_FIELDS, USER_FIELDS, USER_METHOD_FIELDS, USER_SESSION_FIELDS, USER_TOKEN_FIELDS } from "../../lib/users/user-store.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
type Resource = { Type: string; Properties: any; DeletionPolicy?: string; UpdateReplacePolicy?: string };
let resources: Record<string, Resource>;
// What serverless.yml declares, to hold the packaged template to it.
const declared = parse(readFileSync(join(root, "serverless.yml"), "utf8")) as { functions: Record<string, { events?: { http?: unknown }[] }> };
const FUNCTIONS = Object.keys(declared.functions);
const HTTP_ROUTES = Object.values(declared.functions).flatMap((f) => (f.events ?? []).filter((e) => e.http));

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const fn = (name: string) => resources[`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`]!;
const statementsOf = (fnName: string) => {
  const roleId = fn(fnName).Properties.Role["Fn::GetAtt"][0];
  return resources[roleId]!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement) as any[];
};
const dataStatements = (fnName: string) =>
  statementsOf(fnName).filter((s) => [s.Action].flat().some((a: string) => !a.startsWith("logs:")));
const actions = (fnName: string) => dataStatements(fnName).flatMap((s) => [s.Action].flat()).sort();
/** A statement as it reads without its conditions (the leading keys and attributes are held in "least privilege on the data" below). */
const unconditioned = ({ Condition: _condition, ...statement }: any) => statement;

const ssmArn = (name: string) => ({
  "Fn::Join": ["", ["arn:aws:ssm:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":parameter", `/auth-api/prod/${name}`]],
});

// The code each gateway response answers (CONTRACT.md "Errors"; the specific
// types, then the fallbacks for every other 4xx and 5xx).
const GATEWAY_ERROR_CODES: Record<string, string> = {
  UNAUTHORIZED: "unauthorized",
  ACCESS_DENIED: "forbidden",
  MISSING_AUTHENTICATION_TOKEN: "not_found",
  REQUEST_TOO_LARGE: "payload_too_large",
  UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
  THROTTLED: "too_many_requests",
  INTEGRATION_TIMEOUT: "service_unavailable",
  INTEGRATION_FAILURE: "service_unavailable",
  AUTHORIZER_FAILURE: "internal_error",
  AUTHORIZER_CONFIGURATION_ERROR: "internal_error",
  DEFAULT_4XX: "invalid_request",
  DEFAULT_5XX: "internal_error",
};

/**
 * A gateway response body as API Gateway renders it: `$context.error.messageString`
 * is the message as a quoted JSON string. Any other template variable fails the
 * test (it would be rendered as something this test does not know).
 */
function renderGatewayTemplate(template: string, message: string): Record<string, unknown> {
  const rendered = template.replaceAll("$context.error.messageString", JSON.stringify(message));
  expect(rendered, template).not.toContain("$");
  return JSON.parse(rendered);
}

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
    expect(roles.length).toBe(FUNCTIONS.length);
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
    // The authorizer: one BatchGetItem of a few named attributes, never a password hash (see the test below).
    expect(actions("authorizer")).toEqual(["dynamodb:BatchGetItem", "dynamodb:BatchGetItem", "ssm:GetParameter"]);
    // It reads the public key set only (see "lets only the functions that issue tokens read the private key set").
    expect(dataStatements("authorizer").filter((s) => [s.Action].flat().includes("ssm:GetParameter"))).toEqual([
      { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: ssmArn("public-keys") },
    ]);
    for (const message of ["publicMessage", "protectedMessage", "moderatorMessage", "adminMessage"]) {
      expect(dataStatements(message)).toEqual([]);
    }
    expect(actions("me")).toEqual(["dynamodb:GetItem"]);
    expect(actions("roles")).toEqual(["dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    expect([...new Set(actions("signup"))]).toEqual(["dynamodb:PutItem", "lambda:InvokeFunction", "ssm:GetParameter"]);
    expect(actions("signout")).not.toContain("ssm:GetParameter");
    // Ending every session is one write to the user item (sessionsRevokedAt), which the authorizer reads:
    // no function that ends all sessions lists or writes them one by one.
    for (const name of ["signout", "password", "resetPassword", "updateUser"]) {
      expect(JSON.stringify(dataStatements(name)), name).not.toContain("byUser");
    }
  });

  it("gives the session routes and refresh exactly what the device list, revocation and rotation use", () => {
    const table = (name: string) => ({ "Fn::GetAtt": [name, "Arn"] });
    const serverSecret = (statement: any) => JSON.stringify(statement.Resource).includes("server-secret");
    expect(dataStatements("listSessions").map(unconditioned)).toEqual([
      { Effect: "Allow", Action: ["dynamodb:Query"], Resource: { "Fn::Join": ["/", [table("SessionsTable"), "index", "byUser"]] } },
      { Effect: "Allow", Action: ["dynamodb:BatchGetItem"], Resource: table("SessionsTable") },
      { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: table("UsersTable") },
    ]);
    expect(dataStatements("revokeSession").map(unconditioned)).toEqual([
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
      const events = dataStatements(name).filter((s) => JSON.stringify(s.Resource).includes("EventsTable")).map(unconditioned);
      expect(events, name).toEqual([{ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: table("EventsTable") }]);
    }
  });

  it("sets the refresh grace window (10 s by default) for every function", () => {
    for (const [, f] of ofType("AWS::Lambda::Function")) {
      expect(f.Properties.Environment.Variables.REFRESH_REUSE_GRACE_SECONDS).toBe("10");
    }
  });

  it("gives each administration function only what it uses", () => {
    const table = (name: string) => ({ "Fn::GetAtt": [name, "Arn"] });
    const grants = (fnName: string) =>
      dataStatements(fnName)
        .flatMap((s) => [s.Action].flat().flatMap((a: string) => [s.Resource].flat().map((r: unknown) => `${a} ${JSON.stringify(r)}`)))
        .sort();
    const on = (resource: unknown, ...list: string[]) => list.map((a) => `${a} ${JSON.stringify(resource)}`);
    const byCreatedAt = { "Fn::Join": ["/", [table("UsersTable"), "index", "byCreatedAt"]] };
    const byUser = { "Fn::Join": ["/", [table("SessionsTable"), "index", "byUser"]] };
    const serverSecret = dataStatements("listUsers").find((s) => [s.Action].flat().includes("ssm:GetParameter"))!.Resource;
    expect(JSON.stringify(serverSecret)).toContain("/auth-api/prod/server-secret");
    expect(grants("listUsers")).toEqual(
      [
        ...on(byCreatedAt, "dynamodb:Query"),
        ...on(table("UsersTable"), "dynamodb:GetItem", "dynamodb:BatchGetItem"),
        ...on(serverSecret, "ssm:GetParameter"),
      ].sort(),
    );
    expect(grants("getUser")).toEqual(on(table("UsersTable"), "dynamodb:GetItem"));
    expect(grants("myEvents")).toEqual([...on(table("EventsTable"), "dynamodb:Query"), ...on(serverSecret, "ssm:GetParameter")].sort());
    expect(grants("userEvents")).toEqual(
      [...on(table("EventsTable"), "dynamodb:Query"), ...on(table("UsersTable"), "dynamodb:GetItem"), ...on(serverSecret, "ssm:GetParameter")].sort(),
    );
    expect(grants("updateUser")).toEqual(
      [
        ...on(table("UsersTable"), "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"),
        ...on(table("EventsTable"), "dynamodb:PutItem"),
      ].sort(),
    );
    expect(grants("deleteUser")).toEqual(
      [
        ...on(table("UsersTable"), "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"),
        ...on(table("SessionsTable"), "dynamodb:DeleteItem"),
        ...on(byUser, "dynamodb:Query"),
        ...on(table("EventsTable"), "dynamodb:PutItem"),
      ].sort(),
    );
    expect(grants("deleteMe")).toEqual(
      [
        ...on(table("UsersTable"), "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
        ...on(table("SessionsTable"), "dynamodb:DeleteItem"),
        ...on(byUser, "dynamodb:Query"),
        ...on(table("EventsTable"), "dynamodb:PutItem"),
      ].sort(),
    );
    // Audit events are written by the functions whose changes they record.
    for (const name of ["signup", "signin", "password", "roles"]) expect(grants(name)).toContain(on(table("EventsTable"), "dynamodb:PutItem")[0]);
  });

  it("lets the authorizer read only the session-check attributes, never a password hash", () => {
    const table = (name: string) => ({ "Fn::GetAtt": [name, "Arn"] });
    const batch = dataStatements("authorizer").filter((s) => [s.Action].flat().includes("dynamodb:BatchGetItem"));
    expect(batch.map((s) => s.Resource)).toEqual([table("SessionsTable"), table("UsersTable")]);
    for (const statement of batch) {
      expect(statement.Condition.StringEqualsIfExists).toEqual({ "dynamodb:Select": "SPECIFIC_ATTRIBUTES" });
      const allowed = statement.Condition["ForAllValues:StringEquals"]["dynamodb:Attributes"] as string[];
      expect(allowed).not.toContain("passwordHash");
      expect(allowed.some((name) => /hash/i.test(name))).toBe(false);
    }
    const [sessions, users] = batch.map((s) => s.Condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]);
    expect(sessions).toEqual([...SESSION_CHECK_ATTRIBUTES.session]);
    expect(users).toEqual([...SESSION_CHECK_ATTRIBUTES.user]);
  });

  it("lets the users list batch-read only the User fields of a page's users, never a hash", () => {
    const [batch, ...more] = dataStatements("listUsers").filter((s) => [s.Action].flat().includes("dynamodb:BatchGetItem"));
    expect(more).toEqual([]);
    expect(batch.Resource).toEqual({ "Fn::GetAtt": ["UsersTable", "Arn"] });
    expect(batch.Condition.StringEqualsIfExists).toEqual({ "dynamodb:Select": "SPECIFIC_ATTRIBUTES" });
    const allowed = batch.Condition["ForAllValues:StringEquals"]["dynamodb:Attributes"] as string[];
    expect(allowed).toEqual([...USER_FIELDS]);
    expect(allowed.some((name) => /hash/i.test(name))).toBe(false);
  });

  it("lists users from a sparse index that projects no hash", () => {
    const users = resources.UsersTable!.Properties;
    const [index] = users.GlobalSecondaryIndexes;
    expect(index.IndexName).toBe("byCreatedAt");
    expect(index.KeySchema.map((k: any) => k.AttributeName)).toEqual(["listPk", "listSk"]);
    expect(index.Projection.ProjectionType).toBe("INCLUDE");
    expect(index.Projection.NonKeyAttributes.some((name: string) => /hash|password/i.test(name))).toBe(false);
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
      "ApiGatewayMethodAuthSignupPost", "ApiGatewayMethodAuthSigninPost", "ApiGatewayMethodAuthRefreshPost", "ApiGatewayMethodMessagesPublicGet",
      "ApiGatewayMethodWellDashknownJwksjsonGet", "ApiGatewayMethodWellDashknownOpenidDashconfigurationGet",
      "ApiGatewayMethodAuthPasswordForgotPost", "ApiGatewayMethodAuthPasswordResetPost", "ApiGatewayMethodAuthEmailVerifyPost",
      "ApiGatewayMethodAuthMfaVerifyPost", "ApiGatewayMethodAuthPasskeysOptionsPost", "ApiGatewayMethodAuthPasskeysVerifyPost",
      // The holder of an email-change link (the token is the credential).
      "ApiGatewayMethodAuthEmailChangeConfirmPost",
      // The OpenID provider's browser and client endpoints (clients authenticate in the body or Basic header, not with a bearer).
      "ApiGatewayMethodWellDashknownOauthDashauthorizationDashserverGet", "ApiGatewayMethodOauth2AuthorizeGet", "ApiGatewayMethodOauth2TokenPost",
      "ApiGatewayMethodOauth2RevokePost", "ApiGatewayMethodOauth2LogoutGet", "ApiGatewayMethodOauth2RequestsRequestidVarGet",
      "ApiGatewayMethodOauth2RequestsRequestidVarCancelPost", "ApiGatewayMethodOauth2RequestsRequestidVarProviderPost",
      // The outside providers: their list, and the callbacks the providers send the browser to.
      "ApiGatewayMethodAuthProvidersGet", "ApiGatewayMethodAuthProvidersProviderVarCallbackGet", "ApiGatewayMethodAuthProvidersProviderVarCallbackPost",
    ];
    expect(methods).toHaveLength(HTTP_ROUTES.length);
    expect(methods.map(([id]) => id)).toContain("ApiGatewayMethodAuthEmailVerifyResendPost");
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
    expect(responses.map((r) => r.ResponseType).sort()).toEqual(Object.keys(GATEWAY_ERROR_CODES).sort());
    for (const response of responses) {
      expect(response.ResponseParameters, response.ResponseType).toEqual({
        "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'",
        "gatewayresponse.header.Vary": "'Origin'",
      });
    }
    // Preflights answer the matching configured origin (a template that tests each one), nothing else.
    const preflight = ofType("AWS::ApiGateway::Method").find(([, m]) => m.Properties.HttpMethod === "OPTIONS")![1];
    const template = preflight.Properties.Integration.IntegrationResponses[0].ResponseTemplates["application/json"];
    expect(template).toContain('$origin.matches("https://app[.]example[.]com")');
    expect(template).toContain('$origin.matches("https://admin[.]example[.]com")');
    expect(JSON.stringify(preflight)).not.toContain("'*'");
  });

  it("answers every error API Gateway generates itself as JSON { message, code }, with the code of its type", () => {
    const responses = ofType("AWS::ApiGateway::GatewayResponse").map(([, r]) => r.Properties);
    for (const response of responses) {
      const type = response.ResponseType as string;
      expect(response.RestApiId, type).toEqual({ Ref: "ApiGatewayRestApi" });
      expect(Object.keys(response.ResponseTemplates), type).toEqual(["application/json"]);
      const body = renderGatewayTemplate(response.ResponseTemplates["application/json"], "Some \"quoted\" message");
      expect(Object.keys(body).sort(), type).toEqual(["code", "message"]);
      expect(body.message, type).toEqual(expect.any(String));
      expect(body.message, type).not.toBe("");
      expect(body.code, type).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(body.code, type).toBe(GATEWAY_ERROR_CODES[type]);
    }
    const byType = Object.fromEntries(responses.map((r) => [r.ResponseType, r]));
    const render = (type: string) => renderGatewayTemplate(byType[type].ResponseTemplates["application/json"], "API Gateway's message");
    // The authorizer's `Unauthorized`, whatever API Gateway's message, and an unknown path or method: a 404, not a 403.
    expect(render("UNAUTHORIZED")).toEqual({ message: "Unauthorized", code: "unauthorized" });
    expect(render("MISSING_AUTHENTICATION_TOKEN")).toEqual({ message: "Not found", code: "not_found" });
    expect(byType.MISSING_AUTHENTICATION_TOKEN.StatusCode).toBe("404");
    // Everything else keeps API Gateway's own status and message.
    expect(render("THROTTLED")).toEqual({ message: "API Gateway's message", code: "too_many_requests" });
    expect(responses.filter((r) => r.StatusCode !== undefined).map((r) => r.ResponseType)).toEqual(["MISSING_AUTHENTICATION_TOKEN"]);
  });

  it("throttles the stage, tighter on /auth/*", () => {
    const [[, deployment]] = ofType("AWS::ApiGateway::Deployment") as [[string, Resource]];
    const stage = deployment.Properties.StageDescription;
    expect(stage.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(stage.ThrottlingBurstLimit).toBeGreaterThan(0);
    const auth = stage.MethodSettings.filter((s: any) => s.ResourcePath.startsWith("/~1auth~1"));
    expect(auth.map((s: any) => s.ResourcePath).sort()).toEqual([
      "/~1auth~1email~1change~1confirm", "/~1auth~1email~1verify", "/~1auth~1email~1verify~1resend", "/~1auth~1mfa~1verify", "/~1auth~1passkeys~1options", "/~1auth~1passkeys~1verify", "/~1auth~1password", "/~1auth~1password~1forgot",
      "/~1auth~1password~1reset", "/~1auth~1providers", "/~1auth~1providers~1{provider}~1callback", "/~1auth~1providers~1{provider}~1callback",
      "/~1auth~1refresh", "/~1auth~1signin", "/~1auth~1signout", "/~1auth~1signup",
    ]);
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
    expect(readers("signing-keys")).toEqual(["mfaVerify", "oauthToken", "passkeyVerify", "refresh", "signin", "signup"]);
    // Revocation and logout verify tokens we issued (an access token, an id_token_hint).
    expect(readers("public-keys")).toEqual(["authorizer", "jwks", "oauthLogout", "oauthRevoke"]);
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
    expect(logGroups).toHaveLength(FUNCTIONS.length);
    for (const [, group] of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
    for (const [, f] of ofType("AWS::Lambda::Function")) {
      expect(f.Properties.Runtime).toBe("nodejs22.x");
      expect(f.Properties.Architectures).toEqual(["arm64"]);
    }
    expect(fn("signin").Properties.MemorySize).toBe(1769);
  });

  describe("email", () => {
    const mailer = { "Fn::GetAtt": ["MailerLambdaFunction", "Arn"] };
    const deadLetters = { "Fn::GetAtt": ["MailDeadLetterQueue", "Arn"] };
    const table = (name: string) => ({ "Fn::GetAtt": [name, "Arn"] });

    it("sends only from the mailer, which may call ses:SendEmail on the configured identity and nothing else of SES", () => {
      const ses = dataStatements("mailer").filter((s) => [s.Action].flat().some((a: string) => a.startsWith("ses:")));
      expect(ses).toHaveLength(1);
      expect(ses[0].Action).toEqual(["ses:SendEmail"]);
      expect(JSON.stringify(ses[0].Resource)).toContain(":identity/");
      expect(JSON.stringify(ses[0].Resource)).not.toContain("*");
      for (const [id, role] of ofType("AWS::IAM::Role")) {
        if (id === "MailerIamRoleLambdaExecution") continue;
        expect(JSON.stringify(role.Properties.Policies), id).not.toMatch(/"ses:/);
      }
      expect(fn("mailer").Properties.Environment.Variables.SES_ENDPOINT).toBe("");
      expect(fn("mailer").Properties.Environment.Variables.LAMBDA_ENDPOINT).toBe("");
    });

    it("retries a failed mail job and then dead-letters it to an encrypted queue the mailer may write to", () => {
      const [[, config]] = ofType("AWS::Lambda::EventInvokeConfig") as [[string, Resource]];
      expect(config.Properties.FunctionName).toEqual({ Ref: "MailerLambdaFunction" });
      expect(config.Properties.MaximumRetryAttempts).toBe(2);
      expect(config.Properties.DestinationConfig.OnFailure.Destination).toEqual(deadLetters);
      const queue = resources.MailDeadLetterQueue!;
      expect(queue.Type).toBe("AWS::SQS::Queue");
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 60 * 60);
      expect(dataStatements("mailer")).toContainEqual({ Effect: "Allow", Action: ["sqs:SendMessage"], Resource: deadLetters });
    });

    it("is reached only by asynchronous invokes: the mailer has no HTTP route, and only the functions that queue mail may invoke it", () => {
      const methods = ofType("AWS::ApiGateway::Method").map(([, m]) => JSON.stringify(m.Properties.Integration?.Uri ?? ""));
      expect(methods.some((uri) => uri.includes("MailerLambdaFunction"))).toBe(false);
      const invokers = ofType("AWS::Lambda::Function")
        .map(([id]) => id.replace(/LambdaFunction$/, ""))
        .map((name) => name[0]!.toLowerCase() + name.slice(1))
        .filter((name) => actions(name).includes("lambda:InvokeFunction"))
        .sort();
      expect(invokers).toEqual([
        "changeEmail", "confirmTotp", "forgotPassword", "mfaVerify", "password", "registerPasskey", "removeTotp", "resendVerification", "resetPassword", "resetUserMfa", "signup",
      ]);
      for (const name of invokers) {
        const invoke = dataStatements(name).filter((s) => [s.Action].flat().includes("lambda:InvokeFunction"));
        expect(invoke, name).toEqual([{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: mailer }]);
      }
    });

    it("gives each email route only what it touches: forgot and resend no data at all, verify no sessions", () => {
      expect(actions("forgotPassword")).toEqual(["lambda:InvokeFunction"]);
      expect(actions("resendVerification")).toEqual(["lambda:InvokeFunction"]);
      const verifyEmail = dataStatements("verifyEmail").map(unconditioned);
      expect(new Set(verifyEmail.map((s) => JSON.stringify(s.Resource)))).toEqual(new Set([table("UsersTable"), table("EventsTable")].map((t) => JSON.stringify(t))));
      expect([...new Set(actions("verifyEmail"))]).toEqual(["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
      expect(JSON.stringify(dataStatements("mailer"))).not.toContain("SessionsTable");
      expect(actions("resetPassword")).not.toContain("dynamodb:Scan");
      expect(actions("resetPassword")).not.toContain("ssm:GetParameter");
      for (const [id, role] of ofType("AWS::IAM::Role")) {
        expect(JSON.stringify(role.Properties.Policies), id).not.toMatch(/dynamodb:Scan|ses:\*|sqs:ReceiveMessage/);
      }
      // Batch reads only where keys are known in advance: the authorizer's session check, the device list, a page of
      // users or of clients, a user's passkeys (their ids are on the user item).
      const batchReaders = FUNCTIONS.filter((name) => actions(name).includes("dynamodb:BatchGetItem")).sort();
      expect(batchReaders).toEqual([
        "authorizer", "listClients", "listPasskeys", "listSessions", "listUsers", "passkeyOptions", "passkeyRegistrationOptions", "renamePasskey",
      ]);
    });
  });

  it("records the stage's key timing for rotate-keys: the functions' own values and a 2-hour verifier key cache by default", () => {
    const [parameter, ...others] = ofType("AWS::SSM::Parameter").filter(([, r]) => r.Properties.Name === "/auth-api/prod/key-timing");
    expect(others).toEqual([]);
    expect(parameter![1].Properties.Type).toBe("String");
    const env = fn("authorizer").Properties.Environment.Variables;
    expect(JSON.parse(parameter![1].Properties.Value)).toEqual({
      keySetReloadSeconds: Number(env.KEY_SET_RELOAD_SECONDS),
      jwksMaxAgeSeconds: Number(env.JWKS_MAX_AGE_SECONDS),
      verifierKeyCacheSeconds: 7200,
      accessTokenTtlSeconds: Number(env.ACCESS_TOKEN_TTL_SECONDS),
    });
  });
});

// ---- least privilege on the data (issue 18, docs/security.md) -----------------------------------

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
/** What a function may do to each kind of item of a table: key prefix -> its actions, short and in this order. */
type ItemAccess = Record<string, string>;
interface DataAccess {
  users?: ItemAccess;
  sessions?: ItemAccess;
  events?: ItemAccess;
  /** The attributes its reads of user items (USER#) are held to; "whole" for a read of every attribute. */
  userItems?: readonly string[] | "whole";
}

const SHORT: Record<string, string> = {
  "dynamodb:GetItem": "Get",
  "dynamodb:BatchGetItem": "BatchGet",
  "dynamodb:Query": "Query",
  "dynamodb:Scan": "Scan",
  "dynamodb:PutItem": "Put",
  "dynamodb:UpdateItem": "Update",
  "dynamodb:DeleteItem": "Delete",
  "dynamodb:ConditionCheckItem": "Check",
  "dynamodb:BatchWriteItem": "BatchWrite",
};
const ORDER = Object.values(SHORT);
const READS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"];
const TABLES = { users: "UsersTable", sessions: "SessionsTable", events: "EventsTable" } as const;
const ANY_USER_ITEM = "USER#0f8fad5b-d9cb-469f-a165-70867728950e";

/**
 * Every function that touches a table's items, and exactly what it may touch, traced from its handler
 * (functions/) through lib/: one transaction needs the action on every item it writes (TransactWriteItems is
 * authorized per item: Put, Update, Delete, Check). Only signin, password change and account deletion read a
 * whole user item (its password hash); every other read of a user item is held to a field list of the code.
 */
/** The outside provider's callback (GET, and POST for form_post): one role for both. */
const PROVIDER_CALLBACK: DataAccess = {
  users: { "USER#": "Get Put Update", "EMAIL#": "Get Put", "IDENTITY#": "Get Put", "MFATOKEN#": "Put", "RECOVERY#": "Get" },
  sessions: { "PROVIDERSTATE#": "Delete", "AUTHREQ#": "Get Update", "AUTHCODE#": "Put", "SESSION#": "Get" },
  events: { "USER#": "Put" },
  userItems: USER_METHOD_FIELDS,
};

const EXPECTED: Record<string, DataAccess> = {
  authorizer:    { users: { "USER#": "BatchGet", "CLIENT#": "BatchGet" }, sessions: { "SESSION#": "BatchGet" }, userItems: SESSION_CHECK_ATTRIBUTES.user },
  signup:        { users: { "USER#": "Put", "EMAIL#": "Put", "USERNAME#": "Put" }, sessions: { "SESSION#": "Put" }, events: { "USER#": "Put" } },
  signin:        { users: { "EMAIL#": "Get", "USERNAME#": "Get", "USER#": "Get Update Check", "SIGNIN#": "Get Put Update Delete", "RECOVERY#": "Get", "MFATOKEN#": "Put" }, sessions: { "SESSION#": "Put" }, events: { "USER#": "Put" }, userItems: "whole" },
  mfaVerify:     { users: { "MFATOKEN#": "Get Update Delete", "TOTP#": "Get Update", "RECOVERY#": "Update", "USER#": "Get Check", "SIGNIN#": "Get Put Update Delete" }, sessions: { "SESSION#": "Put" }, events: { "USER#": "Put" }, userItems: USER_SESSION_FIELDS },
  mfaStatus:     { users: { "USER#": "Get", "TOTP#": "Get", "RECOVERY#": "Get" }, userItems: USER_METHOD_FIELDS },
  enrollTotp:    { users: { "USER#": "Get", "TOTP#": "Put" }, userItems: USER_SESSION_FIELDS },
  confirmTotp:   { users: { "USER#": "Get Update", "TOTP#": "Get Update", "RECOVERY#": "Put", "SIGNIN#": "Get Put Update Delete" }, sessions: { "SESSION#": "Get" }, events: { "USER#": "Put" }, userItems: USER_SESSION_FIELDS },
  removeTotp:    { users: { "USER#": "Get Update", "TOTP#": "Get Update Delete", "RECOVERY#": "Update Delete", "SIGNIN#": "Get Put Update Delete" }, events: { "USER#": "Put" }, userItems: USER_SESSION_FIELDS },
  regenerateRecoveryCodes: { users: { "USER#": "Get", "TOTP#": "Get Update", "RECOVERY#": "Put Update", "SIGNIN#": "Get Put Update Delete" }, events: { "USER#": "Put" }, userItems: USER_SESSION_FIELDS },
  resetUserMfa:  { users: { "USER#": "Get Update Check", "TOTP#": "Delete", "RECOVERY#": "Delete", "PASSKEY#": "Delete" }, events: { "USER#": "Put" }, userItems: USER_ACCOUNT_FIELDS },
  passkeyRegistrationOptions: { users: { "USER#": "Get", "PASSKEY#": "BatchGet", "CHALLENGE#": "Put" }, sessions: { "SESSION#": "Get" }, userItems: USER_METHOD_FIELDS },
  registerPasskey: { users: { "USER#": "Get Update", "CHALLENGE#": "Delete", "PASSKEY#": "Put" }, sessions: { "SESSION#": "Get" }, events: { "USER#": "Put" }, userItems: USER_METHOD_FIELDS },
  listPasskeys:  { users: { "USER#": "Get", "PASSKEY#": "BatchGet" }, userItems: USER_METHOD_FIELDS },
  renamePasskey: { users: { "PASSKEY#": "BatchGet Update" } },
  removePasskey: { users: { "USER#": "Get Update", "PASSKEY#": "Delete" }, events: { "USER#": "Put" }, userItems: USER_METHOD_FIELDS },
  passkeyOptions: { users: { "CHALLENGE#": "Put", "MFATOKEN#": "Get", "USER#": "Get", "PASSKEY#": "BatchGet" }, userItems: USER_METHOD_FIELDS },
  passkeyVerify: { users: { "MFATOKEN#": "Get Delete", "PASSKEY#": "Get Update", "USER#": "Get Check", "CHALLENGE#": "Delete" }, sessions: { "SESSION#": "Put" }, events: { "USER#": "Put" }, userItems: USER_METHOD_FIELDS },
  refresh:       { users: { "USER#": "Get", "CLIENT#": "Get" }, sessions: { "SESSION#": "Get Update", "REFRESH#": "Get Put" }, events: { "USER#": "Put" }, userItems: USER_SESSION_FIELDS },
  signout:       { users: { "USER#": "Update" }, sessions: { "SESSION#": "Get Update" }, events: { "USER#": "Put" } },
  password:      { users: { "USER#": "Get Update", "SIGNIN#": "Get Put Update Delete" }, events: { "USER#": "Put" }, userItems: "whole" },
  me:            { users: { "USER#": "Get" }, userItems: USER_FIELDS },
  listSessions:  { users: { "USER#": "Get" }, sessions: { "SESSION#": "BatchGet" }, userItems: USER_SESSION_FIELDS },
  revokeSession: { users: { "USER#": "Get" }, sessions: { "SESSION#": "Get Update" }, events: { "USER#": "Put" }, userItems: USER_SESSION_FIELDS },
  roles:         { users: { "USER#": "Get Update Check" }, events: { "USER#": "Put" }, userItems: USER_FIELDS },
  deleteMe:      { users: { "USER#": "Get Delete", "EMAIL#": "Delete", "USERNAME#": "Delete", "TOKEN#": "Delete", "SIGNIN#": "Get Put Update Delete", "TOTP#": "Delete", "RECOVERY#": "Delete", "PASSKEY#": "Delete", "IDENTITY#": "Delete" }, sessions: { "SESSION#": "Delete" }, events: { "USER#": "Put" }, userItems: "whole" },
  myEvents:      { events: { "USER#": "Query" } },
  listUsers:     { users: { "EMAIL#": "Get", "USER#": "BatchGet" }, userItems: USER_FIELDS },
  getUser:       { users: { "USER#": "Get" }, userItems: USER_FIELDS },
  updateUser:    { users: { "USER#": "Get Update Check" }, events: { "USER#": "Put" }, userItems: USER_FIELDS },
  deleteUser:    { users: { "USER#": "Get Delete Check", "EMAIL#": "Delete", "USERNAME#": "Delete", "TOKEN#": "Delete", "SIGNIN#": "Delete", "TOTP#": "Delete", "RECOVERY#": "Delete", "PASSKEY#": "Delete", "IDENTITY#": "Delete" }, sessions: { "SESSION#": "Delete" }, events: { "USER#": "Put" }, userItems: USER_ACCOUNT_FIELDS },
  userEvents:    { users: { "USER#": "Get" }, events: { "USER#": "Query" }, userItems: ["pk"] },
  userIdentities: { users: { "USER#": "Get" }, userItems: USER_METHOD_FIELDS },
  resetPassword: { users: { "TOKEN#": "Get Delete", "USER#": "Get Update", "SIGNIN#": "Delete" }, events: { "USER#": "Put" }, userItems: USER_TOKEN_FIELDS },
  verifyEmail:   { users: { "TOKEN#": "Get Delete", "USER#": "Get Update" }, events: { "USER#": "Put" }, userItems: USER_TOKEN_FIELDS },
  updateMe:      { users: { "USER#": "Get Update", "USERNAME#": "Put Delete" }, events: { "USER#": "Put" }, userItems: USER_FIELDS },
  changeEmail:   { users: { "USER#": "Get", "SIGNIN#": "Get Put Update Delete", "EMAIL#": "Get", "TOTP#": "Get Update", "RECOVERY#": "Update" }, sessions: { "SESSION#": "Get" }, events: { "USER#": "Put" }, userItems: "whole" },
  confirmEmailChange: { users: { "TOKEN#": "Get Delete", "USER#": "Get Update", "EMAIL#": "Put Delete" }, events: { "USER#": "Put" }, userItems: USER_TOKEN_FIELDS },
  oauthAuthorize: { users: { "CLIENT#": "Get" }, sessions: { "AUTHREQ#": "Put", "PROVIDERSTATE#": "Put" } },
  oauthProvider: { sessions: { "AUTHREQ#": "Get", "PROVIDERSTATE#": "Put" } },
  providerCallbackGet: PROVIDER_CALLBACK,
  providerCallbackPost: PROVIDER_CALLBACK,
  listIdentities: { users: { "USER#": "Get" }, userItems: USER_METHOD_FIELDS },
  linkIdentity:  { users: { "USER#": "Get" }, sessions: { "SESSION#": "Get", "PROVIDERSTATE#": "Put" }, userItems: USER_METHOD_FIELDS },
  unlinkIdentity: { users: { "USER#": "Get Update", "IDENTITY#": "Delete" }, events: { "USER#": "Put" }, userItems: USER_METHOD_FIELDS },
  oauthRequest:  { users: { "CLIENT#": "Get" }, sessions: { "AUTHREQ#": "Get" } },
  oauthComplete: { sessions: { "AUTHREQ#": "Get Update", "AUTHCODE#": "Put", "SESSION#": "Get" } },
  oauthCancel:   { sessions: { "AUTHREQ#": "Get Update" } },
  oauthToken:    { users: { "CLIENT#": "Get", "USER#": "Get Check" }, sessions: { "AUTHCODE#": "Get Update", "SESSION#": "Get Put Update Check", "REFRESH#": "Get Put" }, events: { "USER#": "Put" }, userItems: USER_SESSION_FIELDS },
  oauthUserinfo: { users: { "USER#": "Get" }, userItems: USER_FIELDS },
  oauthRevoke:   { users: { "CLIENT#": "Get" }, sessions: { "SESSION#": "Get Update" }, events: { "USER#": "Put" } },
  oauthLogout:   { users: { "CLIENT#": "Get" }, sessions: { "SESSION#": "Get Update" }, events: { "USER#": "Put" } },
  createClient:  { users: { "CLIENT#": "Put" } },
  listClients:   { users: { "CLIENT#": "BatchGet" } },
  getClient:     { users: { "CLIENT#": "Get" } },
  updateClient:  { users: { "CLIENT#": "Get Put" } },
  deleteClient:  { users: { "CLIENT#": "Delete" } },
  mailer:        { users: { "EMAIL#": "Get", "USER#": "Get Update", "TOKEN#": "Put Delete", "MAILLIMIT#": "Put Update" }, events: { "USER#": "Put" }, userItems: USER_TOKEN_FIELDS },
};
/** The functions that check a client's secret, or rewrite the client item: the only ones that may read its hash. */
const CLIENT_SECRET_READERS = ["oauthRevoke", "oauthToken", "updateClient"];

/** The functions that check a password: the only ones that may read its hash (a reset sets one without reading the old). */
const PASSWORD_READERS = ["changeEmail", "deleteMe", "password", "signin"];

const globMatches = (pattern: string, value: string) =>
  new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value);
const actionsOf = (statement: Statement) => [statement.Action].flat();
const onTable = (statement: Statement, logicalId: string) =>
  [statement.Resource].flat().some((resource) => JSON.stringify(resource) === JSON.stringify({ "Fn::GetAtt": [logicalId, "Arn"] }));

/** The leading-key patterns a statement is held to; undefined when it is not (ForAnyValue, say, lets one key of a batch pass for all). */
function leadingKeys(statement: Statement): string[] | undefined {
  for (const operator of ["ForAllValues:StringLike", "ForAllValues:StringEquals"]) {
    const keys = statement.Condition?.[operator]?.["dynamodb:LeadingKeys"];
    if (Array.isArray(keys)) return keys as string[];
  }
  return undefined;
}

/** The attributes a statement's reads are held to; undefined when not held (no list, or a request may still ask for every attribute). */
function attributeLimit(statement: Statement): string[] | undefined {
  const attributes = statement.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"];
  const select = statement.Condition?.StringEqualsIfExists?.["dynamodb:Select"] ?? statement.Condition?.StringEquals?.["dynamodb:Select"];
  return Array.isArray(attributes) && select === "SPECIFIC_ATTRIBUTES" ? (attributes as string[]) : undefined;
}

/** What the statements allow on a table's items: key prefix ("*" for any key) -> actions. */
function itemAccess(statements: Statement[], logicalId: string): ItemAccess {
  const found: Record<string, Set<string>> = {};
  for (const statement of statements.filter((s) => s.Effect === "Allow" && onTable(s, logicalId))) {
    // "USER#*" -> "USER#"; anything but a prefix wildcard stays as written, and fails the comparison.
    const prefixes = (leadingKeys(statement) ?? ["*"]).map((pattern) => (/^[A-Z]+#\*$/.test(pattern) ? pattern.slice(0, -1) : pattern));
    for (const action of actionsOf(statement)) for (const prefix of prefixes) (found[prefix] ??= new Set()).add(SHORT[action] ?? action);
  }
  return Object.fromEntries(Object.entries(found).map(([prefix, set]) => [prefix, [...set].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)).join(" ")]));
}

/** The statements that let a function read user items (USER#) of the users table, with the attributes each allows. */
function userItemReads(statements: Statement[]): (string[] | "whole")[] {
  return statements
    .filter((s) => s.Effect === "Allow" && onTable(s, TABLES.users))
    .filter((s) => actionsOf(s).some((action) => READS.some((read) => globMatches(action, read))))
    .filter((s) => (leadingKeys(s) ?? ["*"]).some((pattern) => globMatches(pattern, ANY_USER_ITEM)))
    .map((s) => attributeLimit(s) ?? "whole");
}

const readsPasswordHash = (statements: Statement[]) => userItemReads(statements).some((read) => read === "whole" || read.includes("passwordHash"));

/** A function's table access as EXPECTED writes it. */
function dataAccessOf(statements: Statement[]): DataAccess {
  const access: DataAccess = {};
  for (const [name, logicalId] of Object.entries(TABLES) as [keyof typeof TABLES, string][]) {
    const items = itemAccess(statements, logicalId);
    if (Object.keys(items).length > 0) access[name] = items;
  }
  const reads = userItemReads(statements);
  if (reads.length > 0) access.userItems = reads.includes("whole") ? "whole" : reads[0];
  // Two limited statements on user items with different lists: show both, so that the comparison fails.
  if (reads.length > 1 && new Set(reads.map((read) => JSON.stringify(read))).size > 1) access.userItems = reads.flat();
  return access;
}

/** Plain data, for comparing with EXPECTED (whose lists are the code's readonly constants). */
const normalized = (access: DataAccess) => JSON.parse(JSON.stringify(access));

describe("least privilege on the data", () => {
  it("lets each function touch only the item kinds its code path touches, with only the actions it uses", () => {
    const touching = FUNCTIONS.filter((name) => Object.keys(dataAccessOf(dataStatements(name))).length > 0).sort();
    expect(touching).toEqual(Object.keys(EXPECTED).sort());
    for (const name of FUNCTIONS) {
      expect(normalized(dataAccessOf(dataStatements(name))), name).toEqual(normalized(EXPECTED[name] ?? {}));
    }
  });

  it("holds every read of a client to the code's field lists: only client authentication and an update read the secret's hash", () => {
    const clientReads = (name: string) =>
      dataStatements(name).filter(
        (s: Statement) => onTable(s, TABLES.users) && actionsOf(s).some((a) => READS.includes(a)) && (leadingKeys(s) ?? ["*"]).some((p) => globMatches(p, "CLIENT#abc")),
      );
    const secretReaders = FUNCTIONS.filter((name) => clientReads(name).some((s: Statement) => attributeLimit(s)?.includes("secretHash") ?? true)).sort();
    expect(secretReaders).toEqual(CLIENT_SECRET_READERS);
    for (const name of ["oauthAuthorize", "oauthRequest", "oauthLogout", "listClients", "getClient"]) {
      for (const s of clientReads(name)) expect(attributeLimit(s), name).toEqual([...CLIENT_FIELDS]);
    }
    for (const name of ["oauthToken", "oauthRevoke"]) {
      for (const s of clientReads(name)) expect(attributeLimit(s), name).toEqual([...CLIENT_AUTH_FIELDS]);
    }
  });

  it("holds every read of a user item to a field list of the code, except in the four functions that check a password", () => {
    const readers = FUNCTIONS.filter((name) => readsPasswordHash(dataStatements(name))).sort();
    expect(readers).toEqual(PASSWORD_READERS);
    for (const [name, expected] of Object.entries(EXPECTED)) {
      if (expected.userItems === undefined || expected.userItems === "whole") continue;
      expect(expected.userItems, name).not.toContain("passwordHash");
      // Each list is the code's own (USER_FIELDS and friends): what the function's reads project, no more.
      for (const read of userItemReads(dataStatements(name))) expect(read, name).toEqual([...expected.userItems]);
    }
  });

  it("lets signin write no attribute of a user item but the password hash it upgrades", () => {
    const userWrites = dataStatements("signin").filter(
      (s) => onTable(s, TABLES.users) && actionsOf(s).includes("dynamodb:UpdateItem") && (leadingKeys(s) ?? ["*"]).some((p) => globMatches(p, ANY_USER_ITEM)),
    );
    expect(userWrites.map((s) => s.Condition?.["ForAllValues:StringEquals"]?.["dynamodb:Attributes"])).toEqual([["pk", "passwordHash"]]);
  });

  it("the checks fail for a policy that lets more through", () => {
    const clone = (name: string): Statement[] => structuredClone(dataStatements(name));
    const differs = (name: string, statements: Statement[]) =>
      JSON.stringify(normalized(dataAccessOf(statements))) !== JSON.stringify(normalized(EXPECTED[name]!));
    expect(differs("signin", clone("signin"))).toBe(false);
    expect(readsPasswordHash(clone("me"))).toBe(false);

    const lockoutWrite = (statements: Statement[]) => statements.find((s) => JSON.stringify(s.Condition ?? {}).includes("SIGNIN#") && actionsOf(s).includes("dynamodb:PutItem"))!;
    // A write without its leading keys reaches every item kind.
    let tampered = clone("signin");
    delete lockoutWrite(tampered).Condition;
    expect(differs("signin", tampered)).toBe(true);
    expect(itemAccess(tampered, TABLES.users)["*"]).toBe("Put Update Delete");
    // ForAnyValue holds one key of a request, not all of them.
    tampered = clone("signin");
    const condition = lockoutWrite(tampered).Condition!;
    condition["ForAnyValue:StringLike"] = condition["ForAllValues:StringLike"]!;
    delete condition["ForAllValues:StringLike"];
    expect(differs("signin", tampered)).toBe(true);
    // One more item kind, or one more action on a kind.
    tampered = clone("signup");
    (tampered[0]!.Condition!["ForAllValues:StringLike"]!["dynamodb:LeadingKeys"] as string[]).push("SIGNIN#*");
    expect(differs("signup", tampered)).toBe(true);
    tampered = clone("signout");
    tampered.push({ Effect: "Allow", Action: ["dynamodb:DeleteItem"], Resource: { "Fn::GetAtt": ["SessionsTable", "Arn"] }, Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["SESSION#*"] } } });
    expect(differs("signout", tampered)).toBe(true);

    const userRead = (statements: Statement[]) => statements.find((s) => attributeLimit(s) !== undefined && onTable(s, TABLES.users))!;
    // A read of user items without its attribute list, or without SPECIFIC_ATTRIBUTES, or with the hash in the list.
    tampered = clone("me");
    delete userRead(tampered).Condition!["ForAllValues:StringEquals"];
    expect(readsPasswordHash(tampered)).toBe(true);
    tampered = clone("me");
    delete userRead(tampered).Condition!.StringEqualsIfExists;
    expect(readsPasswordHash(tampered)).toBe(true);
    tampered = clone("refresh");
    (userRead(tampered).Condition!["ForAllValues:StringEquals"]!["dynamodb:Attributes"] as string[]).push("passwordHash");
    expect(readsPasswordHash(tampered)).toBe(true);
    // An unlimited read whose leading keys could reach a user item (a claim read widened to "*", or "U*").
    for (const pattern of ["*", "U*"]) {
      tampered = clone("listUsers");
      const claimRead = tampered.find((s) => JSON.stringify(s.Condition ?? {}).includes("EMAIL#"))!;
      claimRead.Condition!["ForAllValues:StringLike"]!["dynamodb:LeadingKeys"] = [pattern];
      expect(readsPasswordHash(tampered), pattern).toBe(true);
    }
    // A limited list that is not the code's.
    tampered = clone("me");
    (userRead(tampered).Condition!["ForAllValues:StringEquals"]!["dynamodb:Attributes"] as string[]).pop();
    expect(userItemReads(tampered)).not.toEqual([[...USER_FIELDS]]);
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
