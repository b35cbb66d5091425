// One source for request shapes: the parsers of each domain's input.ts is what the API enforces, and
// openapi.yaml must say the same. The document's limits are asserted equal to the
// validators' exported constants, and generated bodies are fed to both: every body
// the document accepts, the validator accepts; every body broken in a way the
// document forbids (wrong type, too long, empty, missing, off-pattern), the
// validator rejects too.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES } from "../../lib/http/body.js";
import { BadRequestError, NotFoundError } from "../../lib/platform/errors.js";
import { EVENT_TYPES } from "../../lib/audit/event-store.js";
import { USER_AGENT_MAX_CHARS } from "../../lib/http/client-info.js";
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS, passwordProblems } from "../../lib/methods/password/password.js";
import { ROLES } from "../../lib/users/roles.js";
import * as accountsInput from "../../lib/accounts/input.js";
import { parsePasswordChange, parseSignup } from "../../lib/accounts/input.js";
import * as adminInput from "../../lib/admin/input.js";
import { parseRoles, parseUserId } from "../../lib/admin/input.js";
import { NAME_MAX, SECRET_MAX, USERNAME_PATTERN, USER_ID_PATTERN } from "../../lib/http/checker.js";
import * as passwordInput from "../../lib/methods/password/input.js";
import { parseSignin } from "../../lib/methods/password/input.js";
import * as sessionsInput from "../../lib/sessions/input.js";
import { parseRefresh, parseSignout } from "../../lib/sessions/input.js";
import { loadOpenApi, openApiChecker } from "../helpers/openapi.js";

const document = loadOpenApi();
const schemas = document.components.schemas;
const openapi = openApiChecker(document);

describe("openapi.yaml's request limits are the validators' constants", () => {
  it("username, name, secrets, passwords and user ids", () => {
    expect(schemas.Username.pattern).toBe(USERNAME_PATTERN.source);
    expect(schemas.Name.maxLength).toBe(NAME_MAX);
    expect(schemas.Secret.maxLength).toBe(SECRET_MAX);
    expect(schemas.Password.minLength).toBe(PASSWORD_MIN_CHARS);
    expect(schemas.Password.maxLength).toBe(PASSWORD_MAX_BYTES); // characters; the description states the byte limit
    expect(schemas.UserId.pattern).toBe(USER_ID_PATTERN.source);
  });

  it("roles, event types, the User-Agent cap and the body limit", () => {
    expect(schemas.Role.enum).toEqual([...ROLES]);
    expect(schemas.Roles.maxItems).toBe(ROLES.length);
    expect(schemas.RolesRequest.properties.roles.maxItems).toBe(ROLES.length);
    expect(schemas.EventType.enum).toEqual([...EVENT_TYPES]);
    expect(schemas.UserAgent.maxLength).toBe(USER_AGENT_MAX_CHARS);
    expect(document.components.responses.PayloadTooLarge.description).toContain(`${BODY_LIMIT_BYTES / 1024} KiB`);
  });
});

// Generators of values each schema accepts. Emails are built from their parts: the document's
// pattern uses lookaheads, which fc.stringMatching does not take. (The email rules live in the
// email module, not as constants here: these bodies and the breakings below are what hold the
// document's EmailInput to them.)
const atom = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,12}$/);
const label = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,20}[A-Za-z0-9])?$/).filter((l) => !/^xn--/i.test(l));
const email = fc
  .tuple(fc.array(atom, { minLength: 1, maxLength: 4 }), fc.array(label, { minLength: 1, maxLength: 3 }), label.filter((l) => !/^([0-9]+|0x[0-9a-f]*)$/i.test(l)))
  .map(([atoms, labels, last]) => `${atoms.join(".")}@${[...labels, last].join(".")}`)
  .filter((e) => e.indexOf("@") <= 64 && e.length <= 254);
const username = fc.stringMatching(USERNAME_PATTERN);
// Astral characters are left out: the validators count UTF-16 units, JSON Schema counts code points
// (a 100-emoji name is 100 characters to the document, 200 to the validator).
const name = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: NAME_MAX })
  .filter((n) => !/[\u{10000}-\u{10FFFF}]/u.test(n) && openapi.schema("Name")(n));
const secret = fc.string({ minLength: 1, maxLength: SECRET_MAX });
// ASCII and an uncommon prefix: the policy's byte limit, common-password list and "not the email"
// rule are in the schema's description, not in its keywords.
const password = fc.string({ minLength: PASSWORD_MIN_CHARS - 4, maxLength: PASSWORD_MAX_BYTES - 4 }).map((p) => `Zq7#${p}`);
const role = fc.constantFrom(...ROLES);
/** Fields the document does not list: the validators ignore them. */
const extra = (known: string[]) =>
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 10 }).filter((k) => !known.includes(k) && k !== "__proto__"),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
  );

interface Case {
  schema: string;
  /** What the route applies before any data is read: the parser, and the password policy where the route applies it. */
  parse: (body: unknown) => unknown;
  valid: fc.Arbitrary<Record<string, unknown>>;
  /** A breakage the server tolerates on purpose while the document forbids it (the document is the stricter side). */
  tolerated?: (body: Record<string, unknown>, field: string) => boolean;
}

/** The change and reset routes apply the password policy to `newPassword` right after parsing (it needs the account). */
function withPolicy<T extends { newPassword: string }>(parse: (body: unknown) => T) {
  return (body: unknown) => {
    const input = parse(body);
    const problems = passwordProblems(input.newPassword);
    if (problems.length > 0) throw new BadRequestError(`newPassword ${problems.join("; ")}`);
    return input;
  };
}

/** A route body parser (each domain's input.ts) by name, when this version of it has one (the routes of other branches add theirs). */
const validation = { ...accountsInput, ...adminInput, ...passwordInput, ...sessionsInput };
const parser = (name: string) => (validation as Record<string, unknown>)[name] as ((body: unknown) => any) | undefined;

const withExtra = (known: string[], record: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(extra(known), record).map(([more, body]) => ({ ...more, ...body }));

const cases: Case[] = [
  {
    schema: "SignupRequest",
    parse: parseSignup,
    valid: withExtra(
      ["email", "password", "username", "name"],
      fc.record({ email, password, username, name }, { requiredKeys: ["email", "password"] }),
    ),
  },
  {
    schema: "SigninRequest",
    parse: parseSignin,
    valid: withExtra(
      ["email", "password", "username"],
      fc.oneof(fc.record({ email, password: secret }), fc.record({ username, password: secret })),
    ),
    // With an email, signin never reads `username`: any value there is ignored.
    tolerated: (body, field) => field === "username" && body.email !== undefined,
  },
  { schema: "RefreshRequest", parse: parseRefresh, valid: withExtra(["refreshToken"], fc.record({ refreshToken: secret })) },
  {
    schema: "SignoutRequest",
    parse: parseSignout,
    valid: withExtra(["refreshToken", "allSessions"], fc.record({ refreshToken: secret, allSessions: fc.boolean() }, { requiredKeys: [] })),
  },
  {
    schema: "PasswordChangeRequest",
    parse: withPolicy(parsePasswordChange),
    valid: withExtra(["currentPassword", "newPassword"], fc.record({ currentPassword: secret, newPassword: password })),
  },
  {
    schema: "RolesRequest",
    parse: parseRoles,
    valid: withExtra(["roles"], fc.record({ roles: fc.uniqueArray(role, { maxLength: ROLES.length }) })),
  },
  ...(
    [
      ["ForgotPasswordRequest", "parseForgotPassword", withExtra(["email"], fc.record({ email }))],
      ["ResetPasswordRequest", "parsePasswordReset", withExtra(["token", "newPassword"], fc.record({ token: secret, newPassword: password }))],
      ["VerifyEmailRequest", "parseEmailVerification", withExtra(["token"], fc.record({ token: secret }))],
      ["DeleteAccountRequest", "parseAccountDeletion", withExtra(["currentPassword"], fc.record({ currentPassword: secret }))],
      ["UserUpdateRequest", "parseUserUpdate", withExtra(["disabled"], fc.record({ disabled: fc.boolean() }))],
    ] as const
  ).flatMap(([schema, name, valid]): Case[] => {
    const parse = parser(name);
    if (!parse) return [];
    return [{ schema, parse: schema === "ResetPasswordRequest" ? withPolicy(parse) : parse, valid }];
  }),
];

/** Ways to break one field that the document forbids, for the field's schema. */
function breakings(fieldSchema: Record<string, any>): fc.Arbitrary<unknown> {
  const resolved = fieldSchema.$ref ? schemas[fieldSchema.$ref.split("/").pop()] : fieldSchema;
  const wrongType = fc.oneof(fc.integer(), fc.double(), fc.constant(true), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
  if (resolved.type === "boolean") return fc.oneof(fc.integer(), fc.string(), fc.array(fc.boolean(), { maxLength: 2 }));
  if (resolved.type === "array") return fc.oneof(fc.string(), fc.integer(), fc.array(fc.constantFrom("root", "", "ADMIN"), { minLength: 1, maxLength: 3 }));
  const tooLong = fc.integer({ min: 1, max: 40 }).map((n) => "a".repeat(resolved.maxLength + n));
  const broken = [wrongType, tooLong, fc.constant("")];
  if (fieldSchema.$ref?.endsWith("/EmailInput")) {
    // Addresses every version of the email rules refuses: no @, a space inside, no dot in the domain, nothing before the @.
    broken.push(fc.constantFrom("ada.example.com", "ada @example.com", "ada@example", "@example.com", "ada@@example.com", "ada@exa mple.com"));
  } else if (resolved.pattern) {
    const pattern = new RegExp(resolved.pattern, "u");
    broken.push(fc.string({ maxLength: 30 }).filter((s) => !pattern.test(s) && s.trim() === s));
  }
  return fc.oneof(...broken);
}

describe("openapi.yaml's request schemas and the parsers of each domain's input.ts agree", () => {
  for (const { schema, parse, valid, tolerated } of cases) {
    const validate = openapi.schema(schema);

    it(`${schema}: every body the document accepts, the validator accepts (unknown fields ignored)`, () => {
      fc.assert(
        fc.property(valid, (body) => {
          expect(validate(body), `${JSON.stringify(body)}: ${JSON.stringify(validate.errors)}`).toBe(true);
          expect(() => parse(body)).not.toThrow();
        }),
        { numRuns: 200 },
      );
    });

    const properties = Object.entries(schemas[schema].properties as Record<string, Record<string, any>>);
    const required: string[] = schemas[schema].required ?? [];
    it(`${schema}: a body with a field the document forbids (${properties.map(([field]) => field).join(", ")}), the validator rejects with 400`, () => {
      const mutation = fc.constantFrom(...properties).chain(([field, fieldSchema]) =>
        fc.oneof(
          breakings(fieldSchema).map((value) => ({ field, value, remove: false })),
          fc.constant({ field, value: undefined, remove: required.includes(field) }),
        ),
      );
      fc.assert(
        fc.property(valid, mutation, (body, { field, value, remove }) => {
          const broken: Record<string, unknown> = { ...body };
          if (remove) delete broken[field];
          else if (value === undefined) return; // an optional field left out is no breakage
          else broken[field] = value;
          // Signin takes either credential: breaking an absent one leaves a valid body.
          if (validate(broken) || tolerated?.(broken, field)) return;
          expect(() => parse(broken), `${field}: ${JSON.stringify(broken[field])}`).toThrow(BadRequestError);
        }),
        { numRuns: 300 },
      );
    });
  }

  it("UserId: the path parameter's pattern is the validator's", () => {
    const validate = openapi.schema("UserId");
    fc.assert(
      fc.property(fc.oneof(fc.uuid({ version: 4 }), fc.string({ maxLength: 40 })), (id) => {
        expect(validate(id)).toBe(USER_ID_PATTERN.test(id));
        if (validate(id)) expect(parseUserId(id)).toBe(id);
        else expect(() => parseUserId(id)).toThrow(NotFoundError);
      }),
    );
  });
});
