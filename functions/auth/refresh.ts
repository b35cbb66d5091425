import { json, publicRoute } from "../../lib/http/routes.js";
import { refreshSession } from "../../lib/sessions/sessions.js";
import { parseRefresh } from "../../lib/http/validation.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, await refreshSession(parseRefresh(body).refreshToken, Date.now(), client)),
);
