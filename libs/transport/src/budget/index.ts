export { budgetOf, peerLinkKey } from './budgets.js';
export type { RateBudget, DeviceBudget, LinkBudgets } from './budgets.js';
export { TokenBucketShaper, budgetShaper, realClock } from './token-bucket.js';
export type { ShaperClock, ShapedLink, TokenBucketOptions } from './token-bucket.js';
