/** Seconds since the epoch: the unit of every stored time and every JWT time claim. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
