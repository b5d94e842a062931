/**
 * MQTT topic-filter syntax and matching (MQTT 3.1.1 section 4.7), shared by the broker's ACL and
 * the client-side dispatch in MqttConnection. Kept free of any broker or client library.
 */

/** True when `filter` is a syntactically valid topic filter. */
export function isValidFilter(filter: string): boolean {
  // [MQTT-4.7.3-1] topic names and filters are at least one character long.
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    // [MQTT-4.7.1-2] '#' occupies a whole level and is the last character of the filter.
    if (level.includes('#')) return level === '#' && i === levels.length - 1;
    // [MQTT-4.7.1-3] '+' occupies an entire level.
    if (level.includes('+')) return level === '+';
    return true;
  });
}

/** True when the filter contains '+' or '#'. */
export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/** True when the concrete topic name `topic` matches `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] a filter starting with a wildcard does not match topics starting with '$'.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    // '#' also matches the parent level: 'a/#' matches 'a' (section 4.7.1.2).
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

const SHARE_PREFIX = '$share/';

/**
 * The filter a subscription matches topics with: for a shared subscription `$share/<group>/<filter>`
 * (MQTT 5.0 section 4.8.2; Mosquitto takes it over 3.1.1 too) that is `<filter>`, since the broker
 * delivers to it messages on the topics `<filter>` matches. Any other filter is itself.
 */
export function matchingFilter(filter: string): string {
  if (!filter.startsWith(SHARE_PREFIX)) return filter;
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  return slash < 0 ? filter : filter.slice(slash + 1);
}

/** `filter` as a shared subscription of `group`, or as it is when there is no group. */
export function sharedFilter(group: string | null | undefined, filter: string): string {
  return group ? `${SHARE_PREFIX}${group}/${filter}` : filter;
}
