// Template files are bundled as strings (esbuild's text loader; vitest.config.ts does the same for tests).
declare module "*.txt" {
  const text: string;
  export default text;
}
declare module "*.html" {
  const text: string;
  export default text;
}
