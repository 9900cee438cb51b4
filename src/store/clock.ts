/** Wall-clock source for timestamps the store writes; injectable so tests control time. */
export type Now = () => Date;
export const systemNow: Now = () => new Date();
