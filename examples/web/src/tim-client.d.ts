// Types of the browser build the page imports at run time (./tim-client.js, next to app.js): the client library's browser entry.
export * from '../../../src/client/index.js';
