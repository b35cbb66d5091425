// `node --import ./bench/text-files.mjs`: imports the email templates
// (lib/mail/templates/*.txt|html) as strings, as esbuild's text loader does
// in the bundles and vitest.config.ts does in tests.
import { register } from "node:module";

register("./text-files-hooks.mjs", import.meta.url);
