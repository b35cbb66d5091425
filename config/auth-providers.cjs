// AUTH_PROVIDERS (JSON) or AUTH_PROVIDERS_FILE (a path to a file holding it), read when the config is
// resolved and passed to the functions as AUTH_PROVIDERS. Deployed (any stage but `local`), a client
// secret must come from an SSM SecureString parameter (`clientSecretParameter`, Apple's key from
// `apple.privateKeyParameter`) under /auth-api/<stage>/providers/: a secret in the JSON would sit in
// the CloudFormation template and the functions' configuration for anyone who can read them.
const { readFileSync } = require("node:fs");

module.exports = ({ resolveVariable }) => resolveVariable("sls:stage").then((stage) => {
  const raw = process.env.AUTH_PROVIDERS || (process.env.AUTH_PROVIDERS_FILE ? readFileSync(process.env.AUTH_PROVIDERS_FILE, "utf8") : "[]");
  const providers = JSON.parse(raw);
  if (!Array.isArray(providers)) throw new Error("AUTH_PROVIDERS must be a JSON array");
  if (stage !== "local") {
    for (const provider of providers) {
      if (provider.clientSecret !== undefined || provider.apple?.privateKey !== undefined) {
        throw new Error(`AUTH_PROVIDERS: provider ${provider.id} names its secret inline; deployed, use clientSecretParameter (an SSM SecureString under /auth-api/${stage}/providers/)`);
      }
    }
  }
  return { json: JSON.stringify(providers) };
});
