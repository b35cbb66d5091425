/**
 * Coordination between the tabs of one origin that share a session
 * (localStorage): a Web Lock around refreshes and a BroadcastChannel to tell
 * the other tabs what happened. Both are optimisations: where they are
 * missing (Node, old browsers) or the lock is not granted in time, tabs
 * refresh on their own and the server's refresh grace window keeps them all
 * signed in. Waiting is bounded (see supabase-js issue 1594 for what an
 * unbounded lock wait does to an app).
 */

import type { StoredSession } from "./session.js";

/**
 * What one tab tells the others. "changed" carries the session itself:
 * another tab's localStorage may show a write a moment late (browsers sync
 * it between processes asynchronously), the message gives it at once.
 */
export type TabMessage = { type: "changed"; session: StoredSession | null } | { type: "ended" };

interface LockManagerLike {
  request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
}

interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  unref?: () => void;
}

function lockManager(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
}

/**
 * Runs `operation` holding the lock `name` across the tabs of this origin,
 * waiting at most `timeoutMs` for it; without Web Locks, or after the wait,
 * runs it without the lock.
 */
export async function withTabLock<T>(name: string, timeoutMs: number, operation: () => Promise<T>): Promise<T> {
  const locks = lockManager();
  if (!locks) return operation();
  let ran = false;
  try {
    return await locks.request(name, { signal: AbortSignal.timeout(timeoutMs) }, () => {
      ran = true;
      return operation();
    });
  } catch (error) {
    // Not granted in time (the signal aborted the wait): go ahead unlocked. An error of the operation itself is the caller's.
    if (ran) throw error;
    return operation();
  }
}

export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

/** A channel to the other tabs of the origin, or a silent one where BroadcastChannel is missing. */
export function openTabChannel(name: string, onMessage: (message: TabMessage) => void): TabChannel {
  const Channel = (globalThis as unknown as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  if (!Channel) return { post: () => {}, close: () => {} };
  const channel = new Channel(name);
  channel.onmessage = (event) => {
    const data = event.data as Partial<TabMessage> | null;
    if (data && (data.type === "changed" || data.type === "ended")) onMessage(data as TabMessage);
  };
  // In Node, an open channel would keep the process alive.
  channel.unref?.();
  return { post: (message) => channel.postMessage(message), close: () => channel.close() };
}
