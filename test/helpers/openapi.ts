// Holds HTTP responses to openapi.yaml: the operation that the method and path
// name, a status that operation documents, the headers it requires, and a body
// that matches the documented JSON schema (Ajv, JSON Schema 2020-12 as OpenAPI
// 3.1 uses it). The end-to-end client runs every response through it, so the
// document cannot drift from what the API answers.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const DOCUMENT_ID = "https://auth-api.invalid/openapi.yaml";
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

type Json = Record<string, any>;

export interface Operation {
  method: string;
  /** The path template, e.g. `/users/{id}`. */
  path: string;
  operationId: string;
  responses: Json;
}

export interface CheckedResponse {
  method: string;
  /** The request's path, with or without a query string. */
  path: string;
  status: number;
  headers: Headers;
  text: string;
}

export interface CheckOptions {
  /**
   * The request targets no documented operation on purpose (an unknown path or
   * method). The answer must still be what API Gateway gives there: 403 or 404
   * with an `Error` body.
   */
  undocumented?: boolean;
}

export class OpenApiMismatchError extends Error {}

/** A JSON pointer to `segments` (RFC 6901). */
const pointer = (segments: string[]) => `/${segments.map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;

function matcher(template: string): RegExp {
  const escaped = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${escaped}$`);
}

export function loadOpenApi(file = fileURLToPath(new URL("../../openapi.yaml", import.meta.url))) {
  return parse(readFileSync(file, "utf8")) as Json;
}

export function openApiChecker(document: Json = loadOpenApi()) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });

  const operations: (Operation & { pattern: RegExp; params: number })[] = [];
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        responses: operation.responses,
        pattern: matcher(path),
        params: (path.match(/\{/g) ?? []).length,
      });
    }
  }
  // A literal segment wins over a template (`/users/me` before `/users/{id}`).
  operations.sort((a, b) => a.params - b.params);

  /** Follows an OpenAPI `$ref` inside this document; returns the object and its JSON pointer. */
  function resolve(value: Json, at: string[]): { value: Json; at: string[] } {
    let current = { value, at };
    while (typeof current.value?.$ref === "string") {
      const ref: string = current.value.$ref;
      if (!ref.startsWith("#/")) throw new Error(`openapi.yaml: only local $refs are supported, found ${ref}`);
      const segments = ref.slice(2).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
      current = { value: segments.reduce<any>((node, key) => node?.[key], document), at: segments };
    }
    return current;
  }

  const validators = new Map<string, ValidateFunction>();
  function validator(at: string[]): ValidateFunction {
    const key = pointer(at);
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${key}` });
      validators.set(key, validate);
    }
    return validate;
  }

  function find(method: string, path: string) {
    const bare = path.split("?")[0]!;
    return operations.find((op) => op.method === method.toUpperCase() && op.pattern.test(bare));
  }

  const describeErrors = (errors: ErrorObject[] | null | undefined) =>
    (errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`).join("; ");

  function fail(what: string, response: CheckedResponse, detail: string): never {
    const body = response.text.length > 500 ? `${response.text.slice(0, 500)}...` : response.text;
    throw new OpenApiMismatchError(`openapi.yaml drift: ${what} answered ${response.status}: ${detail}\n  body: ${body}`);
  }

  /** Checks the body against the Response object at `at`; throws OpenApiMismatchError when it does not match. */
  function checkAgainst(name: string, responseAt: string[], response: CheckedResponse): void {
    const { value: documented, at } = resolve(getAt(responseAt), responseAt);
    for (const [name_, header] of Object.entries((documented.headers ?? {}) as Json)) {
      const { value: spec, at: headerAt } = resolve(header, [...at, "headers", name_]);
      const actual = response.headers.get(name_);
      if (actual === null) {
        if (spec.required) fail(name, response, `required header ${name_} is missing`);
        continue;
      }
      const validate = validator([...headerAt, "schema"]);
      if (!validate(actual)) fail(name, response, `header ${name_}: ${JSON.stringify(actual)} ${describeErrors(validate.errors)}`);
    }
    const content = documented.content as Json | undefined;
    if (!content) {
      if (response.text !== "") fail(name, response, "the document says no body, but there is one");
      return;
    }
    if (!content["application/json"]) fail(name, response, "the document has no application/json body for this status");
    const contentType = response.headers.get("content-type") ?? "";
    if (!/^application\/json\b/i.test(contentType)) fail(name, response, `Content-Type is ${JSON.stringify(contentType)}, not application/json`);
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      fail(name, response, "the body is not JSON");
    }
    const validate = validator([...at, "content", "application/json", "schema"]);
    if (!validate(body)) fail(name, response, `body does not match the schema: ${describeErrors(validate.errors)}`);
  }

  function getAt(at: string[]): Json {
    return at.reduce<any>((node, key) => node?.[key], document);
  }

  return {
    /** Ajv's validator for a schema of `components.schemas`. */
    schema: (name: string) => validator(["components", "schemas", name]),
    operations: operations.map(({ method, path, operationId, responses }) => ({ method, path, operationId, responses })),
    find,
    /** Throws OpenApiMismatchError when the response is not what openapi.yaml documents. */
    check(response: CheckedResponse, options: CheckOptions = {}): void {
      const method = response.method.toUpperCase();
      const operation = find(method, response.path);
      if (options.undocumented) {
        if (operation) throw new OpenApiMismatchError(`${method} ${response.path} is documented (${operation.operationId}): drop \`undocumented\``);
        if (response.status !== 403 && response.status !== 404) {
          fail(`undocumented ${method} ${response.path}`, response, "only 403 or 404 may answer a route that does not exist");
        }
        checkAgainst(`undocumented ${method} ${response.path}`, ["components", "responses", "NotFound"], response);
        return;
      }
      if (!operation) {
        throw new OpenApiMismatchError(`openapi.yaml drift: no operation for ${method} ${response.path} (answered ${response.status})`);
      }
      const name = `${method} ${operation.path} (${operation.operationId})`;
      const status = String(response.status);
      if (!(status in operation.responses)) {
        fail(name, response, `status ${status} is not documented (documented: ${Object.keys(operation.responses).join(", ")})`);
      }
      const pathItemAt = ["paths", operation.path, method.toLowerCase(), "responses", status];
      checkAgainst(name, pathItemAt, response);
    },
  };
}

export type OpenApiChecker = ReturnType<typeof openApiChecker>;
