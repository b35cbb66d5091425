// CORS_ORIGINS (comma-separated) in the shapes serverless.yml needs; read when the config is resolved.
module.exports = () => {
  const origins = (process.env.CORS_ORIGINS || "http://localhost:4040")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  return {
    origins,
    // A gateway response header is one static value (REST APIs cannot match a list there),
    // so errors that API Gateway itself generates carry the first configured origin.
    gatewayResponseOrigin: `'${origins[0]}'`,
  };
};
