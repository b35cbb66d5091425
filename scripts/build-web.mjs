// `npm run build:web`: the example web app as static files in web/dist, for
// any static host (S3 + CloudFront, ...). API_URL names the deployed API; set
// the headers of scripts/web-server.mjs (securityHeaders) on the host too.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { buildWeb, webRoot } from "./web-build.mjs";

const apiUrl = process.env.API_URL;
if (!apiUrl) {
  console.error("Set API_URL to the API's base URL, e.g. API_URL=https://abc.execute-api.eu-west-1.amazonaws.com/prod");
  process.exit(1);
}
const dist = `${webRoot}dist`;
mkdirSync(dist, { recursive: true });
await buildWeb({ outdir: `${dist}/assets`, write: true });
for (const name of readdirSync(`${webRoot}public`)) copyFileSync(`${webRoot}public/${name}`, `${dist}/${name}`);
writeFileSync(`${dist}/config.json`, JSON.stringify({ apiUrl }));
console.log(`Web app in ${dist} (pages are <name>.html: have the host serve /<name> from them)`);
