// A page on an origin the API's CORS_ORIGINS does not list (a second dev
// server, say) gets, in a real Chromium, the client's NetworkError naming the
// API, the page's origin and CORS_ORIGINS, instead of the bare "Failed to
// fetch"; the same page on a listed origin reads the API. The page loads the
// client as the package ships it (scripts/build-client.mjs), from a tiny
// static server of its own.
import { execFile } from "node:child_process";
import { once } from "node:events";
import { readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/local-dynamodb.mjs";
import { browserSuite } from "../helpers/browser.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const allowedPort = await freePort();
const refusedPort = await freePort();
const allowedOrigin = `http://localhost:${allowedPort}`;
const refusedOrigin = `http://localhost:${refusedPort}`;

const suite = browserSuite({ env: { CORS_ORIGINS: allowedOrigin } });

/** The page: calls a public route through the client and shows what it got, as JSON in <output>. */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CORS check</title></head>
<body><output></output><script type="module" src="/page.js"></script></body></html>`;
const PAGE_SCRIPT = `
import { AuthClient, NetworkError } from "/client/index.js";
const auth = new AuthClient({ baseUrl: new URLSearchParams(location.search).get("api") });
let result;
try {
  result = { answer: await auth.messages.public() };
} catch (error) {
  result = { name: error.name, code: error.code, status: error.status, message: error.message, networkError: error instanceof NetworkError, cause: String(error.cause) };
}
document.querySelector("output").textContent = JSON.stringify(result);
`;

let bundle: string;
const servers: Server[] = [];

/** Serves the page, its script and the built client. */
async function servePage(port: number): Promise<void> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://page").pathname;
    if (path === "/") return void response.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    if (path === "/page.js") return void response.writeHead(200, { "content-type": "text/javascript" }).end(PAGE_SCRIPT);
    const file = normalize(path.replace(/^\/client\//, ""));
    if (!path.startsWith("/client/") || file.startsWith("..") || !file.endsWith(".js")) return void response.writeHead(404).end();
    try {
      response.writeHead(200, { "content-type": "text/javascript" }).end(await readFile(join(bundle, file)));
    } catch {
      response.writeHead(404).end();
    }
  });
  server.listen(port, "localhost");
  await once(server, "listening");
  servers.push(server);
}

beforeAll(async () => {
  bundle = mkdtempSync(join(tmpdir(), "auth-client-bundle-"));
  await promisify(execFile)(process.execPath, [join(root, "scripts/build-client.mjs"), "--outdir", bundle]);
  await Promise.all([servePage(allowedPort), servePage(refusedPort)]);
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  if (bundle) await rm(bundle, { recursive: true, force: true });
});

/** What the page got, once it has it. */
async function pageResult(origin: string): Promise<Record<string, unknown>> {
  const context = await suite.newContext({ baseURL: origin });
  const page = await context.newPage();
  await page.goto(`/?api=${encodeURIComponent(suite.stack.baseUrl)}`);
  const output = page.locator("output");
  await expect.poll(() => output.textContent(), { timeout: 10_000 }).not.toBe("");
  return JSON.parse((await output.textContent()) ?? "");
}

describe("a page on an origin the API does not allow", () => {
  it("on an origin CORS_ORIGINS lists, the client reads the API", async () => {
    expect(await pageResult(allowedOrigin)).toEqual({ answer: { text: "This is a public message." } });
    expect(suite.problems).toEqual([]);
  });

  it("on another origin, the client throws NetworkError naming the API, the page's origin and CORS_ORIGINS", async () => {
    const result = await pageResult(refusedOrigin);
    expect(result).toEqual({
      name: "NetworkError",
      code: "network_error",
      status: 0,
      networkError: true,
      cause: "TypeError: Failed to fetch",
      message:
        `Could not reach the auth API at ${suite.stack.baseUrl} (Failed to fetch). The network may be down, the server may not be running, ` +
        `or it does not allow requests from this page's origin, ${refusedOrigin}: add that origin to the API's CORS_ORIGINS.`,
    });
    // It was the CORS refusal (the API answered, without this origin allowed), as Chromium's console says.
    expect(suite.problems.some((problem) => problem.includes(`from origin '${refusedOrigin}' has been blocked by CORS policy`))).toBe(true);
  });
});
