import { json, publicRoute } from "../../lib/http/routes.js";
import { refreshSession } from "../../lib/sessions/refresh.js";
import { parseRefresh } from "../../lib/sessions/input.js";

export const handler = publicRoute({ body: "json" }, async ({ body, client }) =>
  json(200, await refreshSession(parseRefresh(body).refreshToken, Date.now(), client)),
);
