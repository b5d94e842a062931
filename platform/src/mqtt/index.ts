export * from './connection.js';
export { hasWildcard, isValidFilter, matchingFilter, sharedFilter, topicMatches } from './topic-filter.js';
