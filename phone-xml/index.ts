/** Builders of Cisco IP Phone XML objects: pure, one place for escaping and limits; nothing from src/. */
export * from './limits.js';
export * from './objects.js';
