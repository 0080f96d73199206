export { main } from './main.js';
export { formatSummary } from './summary.js';
