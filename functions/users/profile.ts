// PATCH /users/me: the caller's own name and username.
import { parseProfileUpdate } from "../../lib/accounts/input.js";
import { updateProfile } from "../../lib/accounts/profile-update.js";
import { callerOnDevice, json, protectedRoute } from "../../lib/http/routes.js";

export const handler = protectedRoute({ body: "json" }, async (request) =>
  json(200, { user: await updateProfile(callerOnDevice(request), parseProfileUpdate(request.body)) }),
);
