// The layout of lib/ that lib/README.md describes, held: one folder per
// domain concept with its purpose written down, files under 400 lines, no
// import cycles, no re-export barrels, and one writer module per item kind.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const lib = fileURLToPath(new URL("../../lib/", import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const sources = walk(lib).filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"));
const relative = (file: string) => path.relative(lib, file).split(path.sep).join("/");
const text = new Map(sources.map((file) => [relative(file), readFileSync(file, "utf8")]));

/** Every relative module a file imports (static, type-only and dynamic), as lib-relative paths. */
function importsOf(file: string): string[] {
  const found: string[] = [];
  for (const match of text.get(file)!.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!)).replace(/\.js$/, ".ts");
    if (text.has(target)) found.push(target);
  }
  return found;
}

/** Every import cycle among the files (or, with `folderOf`, among their folders), as "a -> b -> a". */
function findCycles(folderOf: (file: string) => string = (file) => file): string[] {
  const edges = new Map<string, Set<string>>();
  for (const file of text.keys()) {
    for (const target of importsOf(file)) {
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from !== to) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
    }
  }
  const cycles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "visiting");
    for (const target of [...(edges.get(file) ?? [])].sort()) visit(target, [...trail, file]);
    state.set(file, "done");
  };
  for (const node of [...edges.keys()].sort()) visit(node, []);
  return cycles;
}

describe("lib/ layout", () => {
  it("is folders by domain, each with its purpose in a README.md, and no file at the top", () => {
    const entries = readdirSync(lib);
    const folders = entries.filter((name) => statSync(path.join(lib, name)).isDirectory());
    expect(entries.filter((name) => !folders.includes(name) && name !== "README.md")).toEqual([]);
    expect(folders).toEqual(expect.arrayContaining(["platform", "http", "users", "clients", "methods", "accounts", "sessions", "keys", "admin", "audit", "mail", "oauth"]));
    for (const folder of folders) {
      const readme = readFileSync(path.join(lib, folder, "README.md"), "utf8");
      expect(readme, `lib/${folder}/README.md`).toMatch(/^# .+\n\n\S.{20,}/);
    }
  });

  it("has one folder per way to prove who you are under methods/", () => {
    const methods = readdirSync(path.join(lib, "methods")).filter((name) => statSync(path.join(lib, "methods", name)).isDirectory());
    expect(methods).toEqual(expect.arrayContaining(["password", "lockout"]));
  });

  it("keeps every file under 400 lines", () => {
    const long = [...text].filter(([, source]) => source.split("\n").length > 400).map(([file]) => file);
    expect(long).toEqual([]);
  });

  it("has no re-export barrels: modules are imported by name", () => {
    const barrels = [...text].filter(([file, source]) => /(^|\/)index\.ts$/.test(file) || /^export \* from/m.test(source)).map(([file]) => file);
    expect(barrels).toEqual([]);
  });

  it("has no import cycles, type-only imports included", () => {
    expect(findCycles()).toEqual([]);
  });

  it("has its folders depend one way: no cycle between domains either", () => {
    expect(findCycles((file) => file.split("/")[0]!)).toEqual([]);
  });

  it("the cycle check sees a cycle when there is one", () => {
    // The check above is only worth something if it can fail: feed it a known two-file loop.
    text.set("x/a.ts", 'import { b } from "./b.js";');
    text.set("x/b.ts", 'import type { A } from "./a.js";');
    try {
      expect(findCycles()).toEqual(["x/a.ts -> x/b.ts -> x/a.ts"]);
      text.set("y/c.ts", 'import { a } from "../x/a.js";');
      text.set("x/b.ts", 'import { c } from "../y/c.js";');
      expect(findCycles((file) => file.split("/")[0]!)).toEqual(["x -> y -> x"]);
    } finally {
      for (const file of ["x/a.ts", "x/b.ts", "y/c.ts"]) text.delete(file);
    }
  });

  it("writes each item kind from exactly one store module", () => {
    // Key prefix -> the module that owns its layout. audit/event-store.ts writes the events
    // table, whose partition key happens to start with USER# too.
    const owners: Record<string, string[]> = {
      "USER#": ["users/user-store.ts", "users/credential-store.ts", "audit/event-store.ts", "methods/providers/identity-store.ts"],
      "EMAIL#": ["users/user-store.ts"],
      "USERNAME#": ["users/user-store.ts"],
      "SIGNIN#": ["methods/lockout/lockout-store.ts"],
      "TOKEN#": ["one-time-tokens/one-time-token-store.ts"],
      "MAILLIMIT#": ["mail/limit-store.ts"],
      "SESSION#": ["sessions/session-item.ts"],
      "REFRESH#": ["sessions/session-store.ts"],
      "TOTP#": ["methods/totp/totp-store.ts"],
      "RECOVERY#": ["methods/recovery-codes/recovery-code-store.ts"],
      "MFATOKEN#": ["methods/mfa/mfa-token-store.ts"],
      "PASSKEY#": ["methods/passkeys/passkey-store.ts"],
      "CHALLENGE#": ["methods/passkeys/challenge-store.ts"],
      "CLIENT#": ["clients/client-store.ts"],
      "AUTHREQ#": ["oauth/authorization-request-store.ts"],
      "AUTHCODE#": ["oauth/code-store.ts"],
      "IDENTITY#": ["methods/providers/identity-store.ts"],
      "PROVIDERSTATE#": ["methods/providers/provider-state-store.ts"],
    };
    const writes = /\b(?:Put|Update|Delete)(?:Command)?\b\s*[:(]/;
    for (const [prefix, allowed] of Object.entries(owners)) {
      const naming = [...text].filter(([, source]) => source.includes(`\`${prefix}`) || source.includes(`"${prefix}`)).map(([file]) => file);
      for (const file of naming.filter((f) => !allowed.includes(f))) {
        // Another module may name the prefix to read it (the authorizer's SDK-less read), never to write it.
        expect(writes.test(text.get(file)!), `${file} writes ${prefix} items`).toBe(false);
      }
    }
    // Each store states its key layout at the top.
    const stores = [
      "users/user-store.ts",
      "audit/event-store.ts",
      "methods/lockout/lockout-store.ts",
      "one-time-tokens/one-time-token-store.ts",
      "mail/limit-store.ts",
      "sessions/session-store.ts",
      "methods/totp/totp-store.ts",
      "methods/recovery-codes/recovery-code-store.ts",
      "methods/mfa/mfa-token-store.ts",
      "methods/passkeys/passkey-store.ts",
      "methods/passkeys/challenge-store.ts",
      "clients/client-store.ts",
      "oauth/authorization-request-store.ts",
      "oauth/code-store.ts",
      "methods/providers/identity-store.ts",
      "methods/providers/provider-state-store.ts",
    ];
    for (const store of stores) expect(text.get(store)!.slice(0, 1200), store).toMatch(/[A-Z]+#</);
  });
});
