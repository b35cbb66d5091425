/** The example resources, one per access level. */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { TextMessage } from "./types.js";

export function messageRoutes(transport: Transport) {
  return {
    /** GET /messages/public: anyone. */
    public: () => transport.call<TextMessage>(callFor(ROUTES.publicMessage), "none"),
    /** GET /messages/protected: any signed-in user (401 without a session). */
    protected: () => transport.call<TextMessage>(callFor(ROUTES.protectedMessage), "bearer"),
    /** GET /messages/moderator: role moderator or admin (403 otherwise). */
    moderator: () => transport.call<TextMessage>(callFor(ROUTES.moderatorMessage), "bearer"),
    /** GET /messages/admin: role admin (403 otherwise). */
    admin: () => transport.call<TextMessage>(callFor(ROUTES.adminMessage), "bearer"),
  };
}
