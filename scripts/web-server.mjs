// The example web app's static server (node:http): the pages in web/public,
// the page scripts built by esbuild (in memory), and /config.json, which tells
// the app where the API is (no inline script, so the CSP can forbid them).
//
// Alone: APP_URL=http://localhost:4040 API_URL=http://localhost:3000 node scripts/web-server.mjs
//
// It listens on 127.0.0.1 only, on APP_URL's port, whatever host APP_URL names:
// it is a development server for this machine.
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWeb, webRoot } from "./web-build.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json; charset=utf-8",
};

/** Headers of every answer: scripts only from this origin, API calls only to the API, no framing, no referrer. */
export function securityHeaders(apiUrl) {
  const api = new URL(apiUrl).origin;
  return {
    "Content-Security-Policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      `connect-src 'self' ${api}`,
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    // Keeps even the path of the reset and verification pages out of other sites' logs.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
  };
}

export async function startWebServer({ appUrl, apiUrl }) {
  const url = new URL(appUrl);
  const assets = new Map((await buildWeb()).map((file) => [`/assets/${basename(file.path)}`, file.contents]));
  const config = JSON.stringify({ apiUrl });
  const headers = securityHeaders(apiUrl);
  const publicDir = join(webRoot, "public");

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", appUrl).pathname;
    const send = (status, type, body) => {
      response.writeHead(status, { ...headers, "Content-Type": type });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, TYPES[".json"], '{"message":"Method not allowed"}');
    if (path === "/config.json") return send(200, TYPES[".json"], config);
    if (assets.has(path)) return send(200, TYPES[extname(path)] ?? "application/octet-stream", assets.get(path));
    // "/" is the home page, "/signin" is signin.html; only plain names, so no path can leave the folder.
    const name = path === "/" ? "index.html" : /^\/[a-z-]+(\.(css|svg))?$/.test(path) ? path.slice(1) + (extname(path) ? "" : ".html") : undefined;
    const file = name && join(publicDir, name);
    if (file && existsSync(file)) return send(200, TYPES[extname(file)], readFileSync(file));
    send(404, TYPES[".html"], "<!doctype html><title>Not found</title><p>Not found. <a href=\"/\">Home</a></p>");
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(url.port || 80), "127.0.0.1", resolve);
  });
  return {
    url: appUrl,
    close: () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections(); // browsers keep connections open
      return closed;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const appUrl = process.env.APP_URL || "http://localhost:4040";
  const { url } = await startWebServer({ appUrl, apiUrl: process.env.API_URL || "http://localhost:3000" });
  console.log(`Web app at ${url}`);
}
