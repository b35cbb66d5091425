/**
 * The records of an import file, one at a time with the line each starts on,
 * read as the file streams in (100,000 users never sit in memory at once):
 * a JSON array, JSON lines, or (when the format allows it) CSV with a header
 * row, which of them told by the file's first character. A record that cannot
 * be read is a problem on its line; the import goes on with the next one.
 * Problems never quote the file's text: it holds password hashes.
 */
import { parse as parseCsv } from "csv-parse";
import { Readable } from "node:stream";

export type SourceRecord = { line: number; value: unknown } | { line: number; problem: string };

const NOT_JSON = "is not valid JSON";

function parsedJson(line: number, text: string): SourceRecord {
  try {
    return { line, value: JSON.parse(text) };
  } catch {
    // JSON.parse's message quotes the text: never shown.
    return { line, problem: NOT_JSON };
  }
}

/** One value per non-blank line. */
async function* jsonLines(chunks: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  let rest = "";
  let line = 0;
  const record = function* (text: string) {
    line++;
    if (text.trim() !== "") yield parsedJson(line, text);
  };
  for await (const chunk of chunks) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const text of lines) yield* record(text);
  }
  yield* record(rest);
}

/**
 * The elements of one top-level JSON array. No JSON streaming parser is among
 * the dependencies, so this finds only where each element starts and ends
 * (nesting depth outside strings) and leaves the parsing to JSON.parse.
 */
async function* jsonArray(chunks: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let closed = false;
  // After a comma an element must follow: `[1,]` and `[,1]` have an empty one.
  let expecting = false;
  // The current element: its text so far (it may span chunks), and the line it starts on (0: none yet).
  let element: string[] = [];
  let elementLine = 0;
  for await (const chunk of chunks) {
    // Where the current element's text starts in this chunk.
    let start = elementLine > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === "\n") line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === "\\") escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      const blank = c === " " || c === "\n" || c === "\r" || c === "\t";
      if (closed || depth === 0) {
        if (!closed && c === "[") depth = 1;
        else if (!blank) return yield { line, problem: closed ? "follows the end of the JSON array" : "is not the start of a JSON array" };
        continue;
      }
      if (depth === 1 && (c === "," || c === "]")) {
        if (start >= 0) element.push(chunk.slice(start, i));
        start = -1;
        const text = element.join("");
        element = [];
        if (text !== "") yield parsedJson(elementLine, text);
        else if (c === "," || expecting) yield { line, problem: "has an empty element (a stray comma)" };
        elementLine = 0;
        expecting = c === ",";
        if (c === "]") closed = true;
        continue;
      }
      if (depth === 1 && elementLine === 0) {
        if (blank) continue;
        start = i;
        elementLine = line;
      }
      if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if ((c === "}" || c === "]") && --depth === 0) return yield { line, problem: "is not valid JSON (its brackets do not match)" };
    }
    if (start >= 0) element.push(chunk.slice(start));
  }
  if (!closed) yield { line, problem: "ends before the JSON array is closed" };
}

/** info.lines is where a CSV row ends; the line breaks inside its quoted fields tell where it started. */
const breaks = (record: Record<string, string>) => Object.values(record).join("").split("\n").length - 1;

/** CSV with a header row, as `psql \copy (...) to ... csv header` writes it; empty fields (psql's NULL) are left out. */
async function* csvRows(chunks: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  const skipped: SourceRecord[] = [];
  const parser = Readable.from(chunks).pipe(
    parseCsv({
      columns: true,
      bom: true,
      skip_empty_lines: true,
      info: true,
      skip_records_with_error: true,
      // The error's `raw` holds the row's text: only its code and line are kept.
      on_skip: (error) => void skipped.push({ line: Number(error?.lines ?? 0), problem: `is not valid CSV (${error?.code ?? "unreadable"})` }),
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    // A broken row is reported as the parser meets it, which may be before the rows still queued ahead of it.
    const line = info.lines - breaks(record);
    while (skipped.length > 0 && skipped[0]!.line < line) yield skipped.shift()!;
    yield { line, value: Object.fromEntries(Object.entries(record).filter(([, field]) => field !== "")) };
  }
  yield* skipped.splice(0);
}

/** The file's text in chunks, its first chunk given back to whoever peeked at it. */
async function* replay(first: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * The records of `input` (UTF-8): a JSON array when its first character is
 * `[`, JSON lines when it is `{`, otherwise CSV when `csv` is allowed (else
 * JSON lines, each line failing as it must).
 */
export async function* readRecords(input: AsyncIterable<string | Buffer>, options: { csv: boolean }): AsyncGenerator<SourceRecord> {
  const decoder = new TextDecoder("utf-8");
  const text = (async function* () {
    for await (const chunk of input) yield typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    const tail = decoder.decode();
    if (tail) yield tail;
  })();
  let head = "";
  let next = await text.next();
  for (; !next.done; next = await text.next()) {
    head += next.value.replace(/^\uFEFF/, "");
    if (head.trim() !== "") break;
  }
  const first = head.trimStart()[0];
  const chunks = replay(head, text);
  if (first === "[") yield* jsonArray(chunks);
  else if (first === "{" || !options.csv) yield* jsonLines(chunks);
  else if (first !== undefined) yield* csvRows(chunks);
}
