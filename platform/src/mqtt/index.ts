export * from './connection.js';
export { hasWildcard, isValidFilter, topicMatches } from './topic-filter.js';
