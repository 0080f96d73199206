export { bipartition, buildTopology, neighbours, peerSenders, TOPOLOGY_KINDS, type Topology, type TopologySpec } from './graph.js';
export { checkMixingMatrix, mixingMatrix, type MixingMatrix } from './mixing.js';
export { TopologyError } from './errors.js';
