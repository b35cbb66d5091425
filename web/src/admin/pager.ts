/**
 * "Previous page" and "Next page" over a list the API pages forwards only
 * (`nextCursor`): the cursors of the pages before this one are kept on a
 * stack, so that Previous loads the page before again. The position is plain
 * data, so that a page can keep it in its history entry (Back from a user's
 * page comes back to the same page of users).
 */
export interface PagePosition {
  /** The cursors of the pages before this one (undefined: the first page). */
  before: (string | undefined)[];
  cursor: string | undefined;
}

export interface PagerOptions {
  /** A <nav> holding the two buttons (hidden while there is one page only). */
  nav: HTMLElement;
  previous: HTMLButtonElement;
  next: HTMLButtonElement;
  /** Shows the page at `cursor` (undefined: the first); answers its `nextCursor`. */
  load: (cursor: string | undefined, pageNumber: number) => Promise<string | undefined>;
  /** A page that could not be loaded (the pager stays where it was). */
  onError: (error: unknown) => void;
  /** After the buttons moved to another page (not after `show`): where focus goes. */
  onMoved?: () => void;
}

export function cursorPager(options: PagerOptions) {
  let position: PagePosition = { before: [], cursor: undefined };
  let nextCursor: string | undefined;

  function update(): void {
    options.previous.disabled = position.before.length === 0;
    options.next.disabled = nextCursor === undefined;
    options.nav.hidden = position.before.length === 0 && nextCursor === undefined;
  }

  /** Loads `to`; on success it becomes the position. */
  async function go(to: PagePosition): Promise<boolean> {
    options.previous.disabled = true;
    options.next.disabled = true;
    try {
      nextCursor = await options.load(to.cursor, to.before.length + 1);
      position = to;
      return true;
    } catch (error) {
      options.onError(error);
      return false;
    } finally {
      update();
    }
  }

  async function move(to: PagePosition): Promise<void> {
    if (await go(to)) options.onMoved?.();
  }

  options.next.addEventListener("click", () => {
    if (nextCursor !== undefined) void move({ before: [...position.before, position.cursor], cursor: nextCursor });
  });
  options.previous.addEventListener("click", () => {
    if (position.before.length > 0) void move({ before: position.before.slice(0, -1), cursor: position.before[position.before.length - 1] });
  });

  return {
    /** Shows the first page, or `at` (a kept position). */
    show: (at: PagePosition = { before: [], cursor: undefined }) => go(at),
    /** Loads the current page again (after a change to what it lists). */
    reload: () => go(position),
    position: (): PagePosition => ({ before: [...position.before], cursor: position.cursor }),
  };
}

/** A kept position, checked (history.state is whatever the entry holds). */
export function readPosition(value: unknown): PagePosition | undefined {
  if (!value || typeof value !== "object") return undefined;
  const { before, cursor } = value as Partial<PagePosition>;
  const isCursor = (item: unknown) => item === undefined || item === null || typeof item === "string";
  if (!Array.isArray(before) || !before.every(isCursor) || !isCursor(cursor)) return undefined;
  // JSON-like storage turns undefined into null.
  return { before: before.map((item) => item ?? undefined), cursor: cursor ?? undefined };
}
