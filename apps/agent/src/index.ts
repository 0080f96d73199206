export { startAgent, AgentError, GatewayLostError } from './agent.js';
export type { AgentOptions, RunningAgent } from './agent.js';
export { agentData } from './data.js';
