/** The CURRI (CUCM External Call Control) codec: pure, synchronous, no I/O, nothing from src/. */
export * from './attributes.js';
export * from './request.js';
export * from './request-strict.js';
export * from './response.js';
