// Signs in at the local test OpenID provider (scripts/local-idp.mjs) over plain
// HTTP, as a browser would but without one: fetch with `redirect: "manual"` and
// a cookie jar, hop by hop, so that a test sees (and may tamper with) every step.
//
//   authorizeUrl (ours: /oauth2/authorize?...&provider=<id>, POST /users/me/identities'
//   authorizeUrl, the hosted page's redirectTo; or the IdP's own /auth?...)
//     -> 302 ... -> the IdP's /auth?client_id&redirect_uri&state&nonce&code_challenge...
//     -> 303 /interaction/<uid>                       the sign-in page: "Email", "Continue"
//     -> POST /interaction/<uid>/login email=...       (or /abort: "Cancel")
//     -> 303 /auth/<uid>                               (resume)
//     -> query mode:     303 <ISSUER_URL>/auth/providers/<id>/callback?code&state&iss
//        form_post mode: 200 an auto-submitting page, <form method="post" action=".../callback">
//                        with hidden code, state, iss
//        (signing in as another account than the IdP's session: first an auto-submitting
//        form to the IdP's own /session/end/confirm, which ends that session, then the above)
//     -> delivered (unless `deliver: false`): GET that URL, or POST that form, to our
//        callback, which answers a redirect (to the client's redirect URI, the hosted
//        page for a second factor, or the link flow's redirectUri): its Location is
//        `result.location`; it is not followed.
//
// The IdP shows its page every time (npm start's IdP has no single sign-on), so each call
// signs in as `email`, whatever the jar holds. Pass `jar` (from an earlier sign-in) to be
// the same browser: the page is then prefilled with that session's address, and another
// address first ends that session (an auto-submitted form the helper submits, as a
// browser would). An IdP started with `singleSignOn: true` skips the page instead.
//
// Usage:
//   const result = await signInAtLocalIdp(`${stack.baseUrl}/oauth2/authorize?...&provider=local`, "ada@example.com");
//   result.location   // <redirect_uri>?code&state&iss from our callback
//   const raw = await signInAtLocalIdp(url, email, { deliver: false });
//   raw.callback.params.set("state", "forged");
//   const answer = await deliverCallback(raw.callback, { jar: raw.jar });
import { expect } from "vitest";

/** Where a provider's answer is delivered: `/auth/providers/<id>/callback` on any origin. */
export const PROVIDER_CALLBACK_PATH = /\/auth\/providers\/([a-z0-9-]{1,32})\/callback$/;

/** One request the helper made. */
export interface Hop {
  method: "GET" | "POST";
  url: string;
  status: number;
  location?: string;
}

/** What the IdP sent the browser back to the relying party with. */
export interface ProviderCallback {
  /** GET for response_mode query, POST (a form) for form_post. */
  method: "GET" | "POST";
  responseMode: "query" | "form_post";
  /** The callback URL, without the parameters (which are in `params`). */
  url: URL;
  /** The provider id named in the callback path. */
  provider: string;
  /** code, state, iss; or error, error_description, state. Change them to tamper before `deliverCallback`. */
  params: URLSearchParams;
}

/** An answer read whole. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The Location header, resolved against the request URL; null when there is none. */
  location: URL | null;
}

export interface LocalIdpSignIn {
  /** Every request made, in order (for failure messages and for assertions on the route taken). */
  hops: Hop[];
  /** The IdP's answer for our callback. */
  callback: ProviderCallback;
  /** Whether the IdP showed its sign-in page (false: an IdP with singleSignOn, and the jar's session; or an error answer). */
  signInPageShown: boolean;
  /** Our callback's answer, when delivered (the default). */
  reply?: Reply;
  /** Shorthand for `reply.location`: where our callback sends the browser next. */
  location?: URL | null;
  /** The cookies of the whole trip, to sign in again with the IdP's session or deliver by hand. */
  jar: CookieJar;
}

export interface SignInOptions {
  /** What the form's optional "Name" field says (default: empty; the IdP then uses the email's local part). */
  name?: string;
  /** Press "Cancel" instead of "Continue": the IdP answers error=access_denied. */
  cancel?: boolean;
  /** Deliver the IdP's answer to our callback (default true); false stops at `callback`, untouched. */
  deliver?: boolean;
  /** A jar to start from (the same browser as an earlier sign-in); default a new, empty one. */
  jar?: CookieJar;
  /** At most this many requests (default 15): a loop fails the test instead of hanging it. */
  maxHops?: number;
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires?: number;
}

/**
 * A minimal browser cookie jar: cookies by host (not port, as browsers do, so
 * `localhost:8006` and `localhost:3000` share them) and path prefix, replaced by
 * name, removed when they expire or are cleared (Max-Age=0, Expires in the past).
 * Enough for oidc-provider's `_interaction`, `_interaction_resume`, `_session`
 * (and their `.sig`) and for whatever our API sets.
 */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Keeps the Set-Cookie headers of an answer to `url`. */
  store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const equals = pair.indexOf("=");
      if (equals <= 0) continue;
      const cookie: StoredCookie = { name: pair.slice(0, equals), value: pair.slice(equals + 1), host: url.hostname, path: defaultPath(url) };
      for (const attribute of attributes) {
        const [key = "", ...rest] = attribute.split("=");
        const value = rest.join("=");
        switch (key.toLowerCase()) {
          case "path":
            if (value.startsWith("/")) cookie.path = value;
            break;
          case "max-age":
            cookie.expires = Date.now() + Number(value) * 1000;
            break;
          case "expires":
            cookie.expires ??= Date.parse(value);
            break;
        }
      }
      this.cookies = this.cookies.filter((kept) => !(kept.name === cookie.name && kept.host === cookie.host && kept.path === cookie.path));
      if (cookie.expires === undefined || cookie.expires > Date.now()) this.cookies.push(cookie);
    }
  }

  /** The Cookie header a browser would send to `url` (undefined: none). */
  header(url: URL): string | undefined {
    const now = Date.now();
    this.cookies = this.cookies.filter((cookie) => cookie.expires === undefined || cookie.expires > now);
    const sent = this.cookies
      .filter((cookie) => cookie.host === url.hostname && pathMatches(url.pathname, cookie.path))
      // Longer paths first, as RFC 6265 5.4 orders them.
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${cookie.value}`);
    return sent.length ? sent.join("; ") : undefined;
  }

  /** The names of the cookies held for a host (for assertions and debugging). */
  names(host = "localhost"): string[] {
    return this.cookies.filter((cookie) => cookie.host === host).map((cookie) => cookie.name);
  }
}

function defaultPath(url: URL): string {
  const slash = url.pathname.lastIndexOf("/");
  return slash <= 0 ? "/" : url.pathname.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  return requestPath === cookiePath || (requestPath.startsWith(cookiePath) && (cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/"));
}

/** A form of an HTML page: its method, its action resolved against the page, and its fields (inputs with a name). */
export interface HtmlForm {
  method: "GET" | "POST";
  action: URL;
  fields: URLSearchParams;
  /** Names of the inputs, in order (hidden ones included). */
  inputs: string[];
  /** The text of its buttons. */
  buttons: string[];
}

const decodeEntities = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_whole, entity: string) => {
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (entity.startsWith("#x") || entity.startsWith("#X")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    return named[entity.toLowerCase()] ?? "";
  });

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
    attributes[match[1]!.toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? "");
  }
  return attributes;
}

/**
 * The forms of a page, read with regular expressions: enough for the local
 * IdP's pages (its sign-in form, oidc-provider's form_post page), not for HTML at large.
 */
export function parseForms(html: string, pageUrl: URL | string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = attributesOf(match[1]!);
    const fields = new URLSearchParams();
    const inputs: string[] = [];
    for (const input of match[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const field = attributesOf(input[1]!);
      if (!field.name) continue;
      inputs.push(field.name);
      fields.append(field.name, field.value ?? "");
    }
    const buttons = [...match[2]!.matchAll(/<button\b[^>]*>([\s\S]*?)<\/button>/gi)].map((button) => decodeEntities(button[1]!.replace(/<[^>]*>/g, "").trim()));
    forms.push({
      method: (attributes.method ?? "get").toUpperCase() === "POST" ? "POST" : "GET",
      action: new URL(attributes.action || String(pageUrl), pageUrl),
      fields,
      inputs,
      buttons,
    });
  }
  return forms;
}

const textOf = (html: string) =>
  decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " "))
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 500);

function describe(hops: Hop[]): string {
  return hops.map((hop) => `  ${hop.method} ${hop.url} -> ${hop.status}${hop.location ? ` ${hop.location}` : ""}`).join("\n");
}

/** The IdP's authorization request: oidc-provider's `/auth` with the code flow's parameters. */
const isIdpAuthorization = (url: URL) => url.pathname === "/auth" && url.searchParams.has("client_id") && url.searchParams.has("response_type");

async function send(jar: CookieJar, method: "GET" | "POST", url: URL, form?: URLSearchParams): Promise<{ response: Response; text: string }> {
  const headers: Record<string, string> = { accept: "text/html,application/xhtml+xml,*/*" };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  if (form) headers["content-type"] = "application/x-www-form-urlencoded";
  const response = await fetch(url, { method, headers, body: form?.toString(), redirect: "manual" });
  jar.store(url, response.headers);
  return { response, text: await response.text() };
}

/**
 * Delivers the IdP's answer to our callback as the browser would: GET the URL
 * with the parameters (query), or POST them as a form (form_post). Does not
 * follow the callback's redirect.
 */
export async function deliverCallback(callback: ProviderCallback, options: { jar?: CookieJar; hops?: Hop[] } = {}): Promise<Reply> {
  const jar = options.jar ?? new CookieJar();
  const url = new URL(callback.url);
  let form: URLSearchParams | undefined;
  if (callback.method === "GET") for (const [name, value] of callback.params) url.searchParams.append(name, value);
  else form = new URLSearchParams(callback.params);
  const { response, text } = await send(jar, callback.method, url, form);
  const raw = response.headers.get("location");
  options.hops?.push({ method: callback.method, url: url.href, status: response.status, ...(raw !== null && { location: raw }) });
  return { status: response.status, headers: response.headers, text, location: raw === null ? null : new URL(raw, url) };
}

function callbackFrom(url: URL, method: "GET" | "POST", params: URLSearchParams): ProviderCallback {
  const bare = new URL(url);
  bare.search = "";
  bare.hash = "";
  return {
    method,
    responseMode: method === "GET" ? "query" : "form_post",
    url: bare,
    provider: PROVIDER_CALLBACK_PATH.exec(url.pathname)![1]!,
    params,
  };
}

/**
 * Signs in at the local IdP with `email`, starting from `authorizeUrl` (ours or
 * the IdP's), and answers the IdP's callback to us, delivered (by default) with
 * our callback's answer. Fails the test with the whole route taken when the
 * trip goes anywhere else (an error page, a redirect off the route, a loop).
 *
 * The route: redirects are followed on the authorizeUrl's origin and on the
 * IdP's (recognised by its authorization request, `/auth?client_id&response_type`);
 * the IdP's sign-in page is answered with `email` (and `name`), or cancelled;
 * the trip ends when the IdP answers for `/auth/providers/<id>/callback`: by
 * redirect (query) or by its auto-submitting form_post page. An IdP error
 * answer (error=access_denied, invalid_request...) ends it the same way, in
 * `callback.params`.
 */
export async function signInAtLocalIdp(authorizeUrl: URL | string, email: string, options: SignInOptions = {}): Promise<LocalIdpSignIn> {
  const jar = options.jar ?? new CookieJar();
  const hops: Hop[] = [];
  const maxHops = options.maxHops ?? 15;
  const start = new URL(authorizeUrl);
  const followable = new Set([start.origin]);
  const fail = (why: string): never => {
    expect.fail(`signInAtLocalIdp(${start.href}, ${email}): ${why}\n${describe(hops)}`);
  };

  let method: "GET" | "POST" = "GET";
  let url = start;
  let form: URLSearchParams | undefined;
  let signInPageShown = false;
  let callback: ProviderCallback | undefined;
  while (!callback) {
    if (hops.length >= maxHops) fail(`more than ${maxHops} requests`);
    const { response, text } = await send(jar, method, url, form);
    const raw = response.headers.get("location");
    hops.push({ method, url: url.href, status: response.status, ...(raw !== null && { location: raw }) });

    if (response.status >= 300 && response.status < 400) {
      if (raw === null) fail("a redirect without a Location");
      const next = new URL(raw!, url);
      if (PROVIDER_CALLBACK_PATH.test(next.pathname)) {
        callback = callbackFrom(next, "GET", new URLSearchParams(next.search));
        break;
      }
      if (isIdpAuthorization(next)) followable.add(next.origin);
      if (!followable.has(next.origin)) fail(`redirected to ${next.href}, neither the local IdP nor a provider callback`);
      [method, url, form] = ["GET", next, undefined];
      continue;
    }

    if (response.status !== 200 || !/text\/html/.test(response.headers.get("content-type") ?? "")) {
      fail(`answered ${response.status} ${response.headers.get("content-type") ?? ""}: ${textOf(text)}`);
    }
    const forms = parseForms(text, url);
    // oidc-provider's form_post page: one form, posting hidden fields to the callback.
    const posted = forms.find((candidate) => candidate.method === "POST" && PROVIDER_CALLBACK_PATH.test(candidate.action.pathname));
    if (posted) {
      callback = callbackFrom(posted.action, "POST", posted.fields);
      break;
    }
    // The IdP's sign-in page: the form with an `email` input; "Cancel" is the other form.
    const login = forms.find((candidate) => candidate.inputs.includes("email"));
    // Another auto-submitting page of the IdP's: signing in as someone else than the IdP's
    // session ends that session first (a form_post to its own end_session_confirm), then resumes.
    const own = forms.length === 1 && forms[0]!.method === "POST" && followable.has(forms[0]!.action.origin) ? forms[0] : undefined;
    if (!login && own) {
      [method, url, form] = ["POST", own.action, own.fields];
      continue;
    }
    if (!login) fail(`a page that is neither the sign-in page nor a form_post answer: ${textOf(text)}`);
    if (signInPageShown) fail(`the sign-in page again, after submitting ${email}: ${textOf(text)}`);
    signInPageShown = true;
    if (options.cancel) {
      const cancel = forms.find((candidate) => candidate.buttons.includes("Cancel"));
      if (!cancel) fail("no Cancel button on the sign-in page");
      [method, url, form] = ["POST", cancel!.action, cancel!.fields];
    } else {
      const fields = new URLSearchParams(login!.fields);
      fields.set("email", email);
      if (options.name !== undefined) fields.set("name", options.name);
      [method, url, form] = ["POST", login!.action, fields];
    }
  }

  const result: LocalIdpSignIn = { hops, callback, signInPageShown, jar };
  if (options.deliver !== false) {
    result.reply = await deliverCallback(callback, { jar, hops });
    result.location = result.reply.location;
  }
  return result;
}
