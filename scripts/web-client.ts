// The example web app as the public OAuth client `web` (the contract, "Running it"): registered by
// `npm start` in its database at every start, so that its redirect URIs follow APP_URL.
export async function registerWebClient(options: { endpoint: string; stage: string; appUrl: string }): Promise<void> {
  process.env.USERS_TABLE = `auth-api-${options.stage}-users`;
  process.env.DYNAMODB_ENDPOINT = options.endpoint;
  // Imported after the environment is set: lib/config reads it once.
  const { ensureClient } = await import("../lib/clients/clients.js");
  await ensureClient("web", {
    name: "Example web app",
    type: "public",
    redirectUris: [`${options.appUrl}/callback`],
    postLogoutRedirectUris: [`${options.appUrl}/`],
    grantTypes: ["authorization_code", "refresh_token"],
  });
}
