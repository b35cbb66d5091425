import { json, publicRoute } from "../lib/http.js";
import { refreshSession } from "../lib/sessions.js";
import { parseRefresh } from "../lib/validation.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, await refreshSession(parseRefresh(body).refreshToken, Date.now(), client)),
);
