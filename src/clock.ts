/** A source of the current time in ms since epoch: Date.now, or a test's fake clock. */
export type Clock = () => number;
