// npm run create-client -- [--stage <stage>] [--region <region>] --name <name> --redirect-uri <uri> [--redirect-uri <uri>...]
//   [--post-logout-redirect-uri <uri>...] [--confidential] [--grant client_credentials] [--audience <aud>] [--id <clientId>]
//
// Registers an OAuth client of the OpenID provider, in the database of `npm start` (or, with --stage, a
// deployed stage's tables with your AWS credentials), and prints its clientId and, for a confidential
// client, its clientSecret: shown this once, stored only as a hash.
import { parseArgs } from "node:util";
import { openStageDatabase, runScript } from "./stage-database.js";

const usage =
  "usage: npm run create-client -- --name <name> --redirect-uri <uri> [--post-logout-redirect-uri <uri>] [--confidential] [--grant client_credentials] [--audience <aud>] [--stage <stage>]";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: "string", default: "local" },
      region: { type: "string" },
      name: { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      "post-logout-redirect-uri": { type: "string", multiple: true },
      confidential: { type: "boolean", default: false },
      grant: { type: "string", multiple: true },
      audience: { type: "string" },
      id: { type: "string" },
    },
  });
  if (!values.name) throw new Error(usage);
  const close = await openStageDatabase(values.stage!, values.region);
  // Imported after the environment is set: lib/config reads it once.
  const { parseClientRegistration, parseClientId } = await import("../lib/clients/input.js");
  const { registerClient } = await import("../lib/clients/clients.js");
  try {
    // --grant adds to the default grants of the code flow; a machine-only client names client_credentials alone and no redirect URI.
    const redirectUris = values["redirect-uri"] ?? [];
    const grants = values.grant ?? [];
    const grantTypes = redirectUris.length > 0 ? ["authorization_code", "refresh_token", ...grants] : grants;
    const registration = parseClientRegistration({
      name: values.name,
      type: values.confidential ? "confidential" : "public",
      redirectUris,
      postLogoutRedirectUris: values["post-logout-redirect-uri"] ?? [],
      ...(grantTypes.length > 0 && { grantTypes }),
      ...(values.audience && { audience: values.audience }),
    });
    const { client, clientSecret } = await registerClient(registration, values.id === undefined ? undefined : parseClientId(values.id));
    console.log(`clientId: ${client.clientId}`);
    if (clientSecret) console.log(`clientSecret: ${clientSecret}\n(shown once: store it now; rotate it with PATCH /oauth2/clients/${client.clientId} { "rotateSecret": true })`);
  } finally {
    await close();
  }
}

runScript(main);
