// CORS_ORIGINS (comma-separated) as the list serverless.yml needs; read when the config is resolved.
module.exports = () =>
  (process.env.CORS_ORIGINS || "http://localhost:4040")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
