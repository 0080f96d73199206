export { startBroker } from './broker.js';
export type { BrokerOptions, BrokerHooks, RunningBroker } from './broker.js';
export { BrokerCounters, topicKind } from './broker-counters.js';
export type { ClientTraffic, Traffic } from './broker-counters.js';
export { MqttLengthScanner } from './broker-guard.js';
export { startGateway } from './gateway.js';
export type { GatewayOptions, RunningGateway } from './gateway.js';
export { startAggregator } from './aggregator.js';
export type { AggregatorOptions, RunningAggregator } from './aggregator.js';
