import { startApp } from "../app.js";

await startApp();
