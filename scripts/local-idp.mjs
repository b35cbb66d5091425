// The local test OpenID provider of `npm start` (contract, "Running it"): panva's
// `oidc-provider` 8 (a certified OpenID provider; version 9 needs Node 22), on
// 127.0.0.1 only, never deployed. Its sign-in page asks for an email address and
// nothing else (no password, no consent screen) and reports that address
// verified, so that "Continue with Local test provider" works with no account
// anywhere. The end-to-end tests play Google- and Apple-like providers with it.
//
//   discovery   GET  /.well-known/openid-configuration
//   authorize   GET  /auth          code flow only, PKCE S256 required; response_mode
//                                   query or form_post (a client may be held to form_post)
//   sign-in     GET  /interaction/<uid>          the form: "Email", "Name (optional)",
//               POST /interaction/<uid>/login    buttons "Continue" and "Cancel"
//               POST /interaction/<uid>/abort    (Cancel: error=access_denied to the client)
//   token       POST /token         client_secret_basic or client_secret_post
//   userinfo, jwks (/jwks), end_session: as oidc-provider serves them
//
// It asks every time (no single sign-on by default): signing out of the app and in
// again through it may be as anyone else; the form is prefilled with the last address.
//
// Claims: `sub` (a hash of the lowercased email: stable per address, never the
// address itself), `email` (as typed), `email_verified` (true), `name` (as typed,
// else the email's local part). They are in the ID token as well as userinfo.
//
// Alone: IDP_PORT=8006 node scripts/local-idp.mjs (one client, `test`, secret `test`,
// redirect URI http://localhost:3000/auth/providers/local/callback).
import { KeyObject, createHash, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, verify } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { clearInterval, setInterval } from "node:timers";
import { URLSearchParams, fileURLToPath } from "node:url";
import Provider, { interactionPolicy } from "oidc-provider";

/** What Apple's token endpoint expects as the audience of a client-secret JWT. */
const APPLE_AUDIENCE = "https://appleid.apple.com";
const MAX_FORM_BYTES = 8 * 1024;

/** The subject of an email address: stable per (lowercased) address, and not the address. */
export function subjectOf(email) {
  return createHash("sha256").update(`local-idp:${email.trim().toLowerCase()}`).digest("base64url").slice(0, 32);
}

const escapeHtml = (value) =>
  String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/** Headers of the pages this file writes: nothing runs on them, nothing frames them. */
const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  // No form-action: the sign-in form's answer redirects on to the client's callback, another origin.
  "Content-Security-Policy": "default-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

const page = (title, body) =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;

function signInPage({ uid, clientName, email = "", name = "", error }) {
  return page(
    "Sign in - Local test provider",
    `<h1>Local test provider</h1>
<p>Sign in to continue to <strong>${escapeHtml(clientName)}</strong>.</p>
<p>This is a test provider for local development: it accepts any email address, asks for no password, and reports the address verified.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>\n` : ""}<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="email" required autofocus value="${escapeHtml(email)}"></p>
<p><label for="name">Name (optional)</label><br><input id="name" name="name" type="text" autocomplete="name" maxlength="100" value="${escapeHtml(name)}"></p>
<p><button type="submit">Continue</button></p>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<p><button type="submit">Cancel</button></p>
</form>`,
  );
}

/** The RS256 signing key: read from `keysFile` when it holds one, else made (and kept there when given). */
function signingKeys(keysFile) {
  if (keysFile && existsSync(keysFile)) return JSON.parse(readFileSync(keysFile, "utf8"));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwks = { keys: [{ ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" }] };
  if (keysFile) writeFileSync(keysFile, JSON.stringify(jwks), { mode: 0o600 });
  return jwks;
}

/**
 * Apple's "client secret": an ES256 JWT from the client's key (iss = team id,
 * sub = client id, aud = https://appleid.apple.com, kid = key id), checked with
 * the public half of that key.
 */
function appleSecretValid(secret, clientId, apple) {
  try {
    const [header, payload, signature, extra] = String(secret).split(".");
    if (!signature || extra !== undefined) return false;
    const head = JSON.parse(Buffer.from(header, "base64url").toString());
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    if (head.alg !== "ES256" || head.kid !== apple.keyId) return false;
    const key = apple.publicKey instanceof KeyObject ? apple.publicKey : createPublicKey(apple.publicKey);
    const signed = verify("sha256", Buffer.from(`${header}.${payload}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
    const now = Math.floor(Date.now() / 1000);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return (
      signed &&
      claims.iss === apple.teamId &&
      claims.sub === clientId &&
      audiences.includes(APPLE_AUDIENCE) &&
      typeof claims.exp === "number" &&
      claims.exp > now &&
      (typeof claims.iat !== "number" || claims.iat <= now + 60)
    );
  } catch {
    return false;
  }
}

/**
 * oidc-provider's storage for one provider (codes, sessions, interactions, grants),
 * in memory like its quick-start adapter, but per provider and without that
 * adapter's 1000-item cap, which a long test run could evict live codes from.
 */
/** What a grant's revocation takes with it (not the Interaction or Session that merely name the grant). */
const GRANTED = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

function memoryAdapter() {
  const items = new Map(); // "<model>:<id>" -> { payload, expiresAt }
  const sessionUids = new Map();
  const grants = new Map(); // grantId -> keys of what it issued
  const live = (key) => {
    const item = items.get(key);
    if (item && item.expiresAt <= Date.now()) items.delete(key);
    return item && item.expiresAt > Date.now() ? item.payload : undefined;
  };
  const sweep = setInterval(() => {
    for (const key of items.keys()) live(key);
  }, 60_000);
  sweep.unref();
  class Adapter {
    constructor(model) {
      this.model = model;
    }
    key(id) {
      return `${this.model}:${id}`;
    }
    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      if (this.model === "Session") sessionUids.set(payload.uid, id);
      if (payload.grantId && GRANTED.has(this.model)) grants.set(payload.grantId, [...(grants.get(payload.grantId) ?? []), key]);
      items.set(key, { payload, expiresAt: Date.now() + (expiresIn ?? 3600) * 1000 });
    }
    async find(id) {
      return live(this.key(id));
    }
    async findByUid(uid) {
      const id = sessionUids.get(uid);
      return id === undefined ? undefined : live(this.key(id));
    }
    async findByUserCode() {
      return undefined; // no device flow
    }
    async consume(id) {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) {
      items.delete(this.key(id));
    }
    async revokeByGrantId(grantId) {
      for (const key of grants.get(grantId) ?? []) items.delete(key);
      grants.delete(grantId);
    }
  }
  return { Adapter, close: () => clearInterval(sweep) };
}

async function readForm(request) {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers["content-type"] ?? "")) return new URLSearchParams();
  let size = 0;
  const chunks = [];
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw Object.assign(new Error("form too large"), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Starts the local test OpenID provider.
 *
 * - `port`: where it listens, on 127.0.0.1 only; `issuer` (default
 *   `http://localhost:<port>`): its issuer identifier, without a trailing slash.
 * - `clients`: `{ client_id, client_secret?, redirect_uris, response_modes?, apple? }`;
 *   secret clients authenticate with client_secret_basic or client_secret_post
 *   (either). `response_modes: ["form_post"]` holds a client to form_post, as
 *   Apple does. `apple: { teamId, keyId, publicKey }` makes the client's secret
 *   an Apple-style ES256 JWT (checked with `publicKey`, a PEM or KeyObject; no
 *   `client_secret` needed) and its `email_verified` the string "true", as Apple
 *   sends it.
 * - `keysFile`: where the RS256 signing key is kept (restarts keep it); without
 *   one, a new key per start.
 * - `singleSignOn`: skip the page while the browser's session at the IdP lasts (default
 *   false: the page every time, prefilled with the session's address).
 * - `emailVerified(email)`: what `email_verified` says (default: always true);
 *   for tests of unverified addresses, never `npm start`.
 * - `log(line)`: where the provider's errors are reported (default: nowhere).
 *
 * Answers `{ issuer, port, stop() }`.
 */
export async function startLocalIdp({ port, issuer, clients = [], keysFile, singleSignOn = false, emailVerified = () => true, log = () => {} }) {
  issuer = (issuer ?? `http://localhost:${port}`).replace(/\/+$/, "");
  /** sub -> the address and name last signed in with it (in memory, as the sessions and codes are). */
  const accounts = new Map();
  const appleClients = new Map(clients.filter((client) => client.apple).map((client) => [client.client_id, client.apple]));
  const storage = memoryAdapter();
  const policy = interactionPolicy.base();
  if (!singleSignOn) {
    const { Check } = interactionPolicy;
    policy
      .get("login")
      .checks.add(new Check("sign_in_every_time", "the local test provider asks every time", (ctx) => (ctx.oidc.result?.login ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT)));
  }

  const provider = new Provider(issuer, {
    adapter: storage.Adapter,
    clients: clients.map((client) => ({
      client_id: client.client_id,
      // An Apple-style client authenticates with a JWT, checked below; the registered secret is never shown.
      client_secret: client.apple ? randomBytes(32).toString("base64url") : client.client_secret,
      redirect_uris: client.redirect_uris,
      ...(client.response_modes && { response_modes: client.response_modes }),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: client.client_secret || client.apple ? "client_secret_basic" : "none",
    })),
    jwks: signingKeys(keysFile),
    // Cookies over plain http://localhost: signed, never `secure`, and Lax (a browser refuses
    // SameSite=None without Secure), which is enough for top-level redirects and the form.
    cookies: {
      keys: [randomBytes(32).toString("base64url")],
      long: { signed: true, httpOnly: true, sameSite: "lax" },
      short: { signed: true, httpOnly: true, sameSite: "lax" },
    },
    // `name` is also a scope of its own, as Apple names it.
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], name: ["name"] },
    scopes: ["openid", "email", "profile", "name"],
    // Google's and Apple's ID tokens carry the email: so do these, not only userinfo.
    conformIdTokenClaims: false,
    responseTypes: ["code"],
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "none"],
    ttl: {
      AuthorizationCode: 60,
      AccessToken: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
    pkce: { methods: ["S256"], required: () => true },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = "html";
          ctx.body = page(
            "Sign out - Local test provider",
            `${form}<h1>Local test provider</h1><p>Sign out of the local test provider?</p>
<p><button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button></p>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = "html";
          ctx.body = page("Signed out - Local test provider", "<h1>Local test provider</h1><p>You are signed out.</p>");
        },
      },
    },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      const apple = ctx.oidc?.client && appleClients.has(ctx.oidc.client.clientId);
      const verified = Boolean(emailVerified(account.email));
      return {
        accountId: sub,
        claims: async () => ({ sub, email: account.email, email_verified: apple ? String(verified) : verified, name: account.name }),
      };
    },
    // A first-party test provider: what the client asks for is granted without a consent screen.
    async loadExistingGrant(ctx) {
      const { client, account, session } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== account.accountId || grant.clientId !== client.clientId) {
        grant = new ctx.oidc.provider.Grant({ accountId: account.accountId, clientId: client.clientId });
      }
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(" "));
      if (ctx.oidc.requestParamClaims.size) grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = page(
        "Error - Local test provider",
        `<h1>Local test provider: the request failed</h1>\n${Object.entries(out)
          .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
          .join("\n")}`,
      );
    },
  });
  provider.on("server_error", (_ctx, error) => log(`server error: ${error.message}`));
  // error_detail says which check failed ("invalid secret provided", "PKCE verification failed"); never a secret.
  const describe = (error) => [error.error_description, error.error_detail].filter(Boolean).join(": ");
  for (const event of ["authorization.error", "grant.error", "userinfo.error", "end_session.error"]) {
    provider.on(event, (_ctx, error) => log(`${event}: ${error.error ?? error.name}${describe(error) ? ` (${describe(error)})` : ""}`));
  }

  // Apple-style clients: the secret is a JWT made from their key, not a shared string.
  const compareClientSecret = provider.Client.prototype.compareClientSecret;
  provider.Client.prototype.compareClientSecret = function (actual) {
    const apple = appleClients.get(this.clientId);
    if (apple) return Promise.resolve(appleSecretValid(actual, this.clientId, apple));
    return compareClientSecret.call(this, actual);
  };

  /** The sign-in page's routes; everything else is oidc-provider's. */
  async function interaction(request, response, uid, action) {
    const send = (status, html) => {
      response.writeHead(status, PAGE_HEADERS);
      response.end(html);
    };
    const details = await provider.interactionDetails(request, response);
    if (details.uid !== uid) return send(400, page("Error - Local test provider", "<p>This sign-in has expired or belongs to another window. Start again from the app.</p>"));
    const client = await provider.Client.find(details.params.client_id);
    const clientName = client?.clientName ?? details.params.client_id;

    if (details.prompt.name === "consent") {
      // Only when a client insists (prompt=consent): granted as asked, no screen.
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      return provider.interactionFinished(request, response, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
    }

    if (request.method === "GET" && action === undefined) {
      const last = details.session?.accountId ? accounts.get(details.session.accountId) : undefined;
      return send(200, signInPage({ uid, clientName, email: details.params.login_hint ?? last?.email ?? "" }));
    }
    if (request.method === "POST" && action === "abort") {
      return provider.interactionFinished(request, response, { error: "access_denied", error_description: "the user cancelled the sign-in" }, { mergeWithLastSubmission: false });
    }
    if (request.method === "POST" && action === "login") {
      const form = await readForm(request);
      const email = (form.get("email") ?? "").trim();
      const name = (form.get("name") ?? "").trim();
      if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254 || name.length > 100) {
        return send(400, signInPage({ uid, clientName, email, name, error: "Enter an email address (name@example.com) and a name of at most 100 characters." }));
      }
      const sub = subjectOf(email);
      accounts.set(sub, { email, name: name || email.slice(0, email.lastIndexOf("@")) });
      return provider.interactionFinished(request, response, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    }
    send(405, page("Error - Local test provider", "<p>Method not allowed.</p>"));
  }

  const handle = provider.callback();
  const server = createServer((request, response) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?\/?$/.exec(new URL(request.url ?? "/", issuer).pathname);
    if (!match) return handle(request, response);
    interaction(request, response, match[1], match[2]).catch((error) => {
      if (!(error.status >= 400 && error.status < 500)) log(`sign-in page: ${error.message}`);
      if (response.headersSent) return response.destroy();
      response.writeHead(error.status >= 400 && error.status < 500 ? error.status : 500, PAGE_HEADERS);
      response.end(
        page(
          "Error - Local test provider",
          // oidc-provider's SessionNotFound and friends: an expired sign-in, or cookies lost on the way.
          `<h1>Local test provider: the sign-in failed</h1><p>${escapeHtml(error.error_description ?? error.message)}</p><p>Start again from the app.</p>`,
        ),
      );
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    issuer,
    port: server.address().port,
    stop: () => {
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // browsers keep connections open
      storage.close();
      return closed;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.IDP_PORT || "8006");
  const { issuer } = await startLocalIdp({
    port,
    clients: [{ client_id: "test", client_secret: "test", redirect_uris: ["http://localhost:3000/auth/providers/local/callback"] }],
    log: (line) => console.log(`[local-idp] ${line}`),
  });
  console.log(`Local test OpenID provider at ${issuer} (discovery: ${issuer}/.well-known/openid-configuration)`);
}
