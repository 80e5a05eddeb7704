/** What every page needs from the request: instance name, viewer, CSRF token. */
export interface ViewerInfo {
  username: string;
  displayName: string;
  unread: number;
}

export interface PageInfo {
  instanceName: string;
  viewer?: ViewerInfo;
  /** For the forms on the page (the header's log-out form included). */
  csrf: string;
  /** Search engines may index this page (an admin's choice, public groups only). */
  indexable?: boolean;
  /** Feeds of this page, linked as `<link rel="alternate">` (public groups and their threads only). */
  feeds?: { href: string; type: string; title: string }[];
}

/** Where a post is read: its own URL when local, else by its id here. */
export function postPath(post: { id: number; uri: string; local: boolean }): string {
  return post.local ? new URL(post.uri).pathname : `/p/${post.id}`;
}

/** A group's page here: `/@slug` when local, else by its actor id. */
export function groupPath(group: { id: number; local: boolean; username: string }): string {
  return group.local ? `/@${group.username}` : `/g/${group.id}`;
}
