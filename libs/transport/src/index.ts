export { TransportError } from './errors.js';
export {
  TOPIC_ROOT,
  GATEWAY,
  BROADCAST,
  topics,
  filters,
  parseTopic,
  formatTopic,
  linkOfTopic,
  topicMatches,
  filterMatcher,
  isValidId,
  assertId,
} from './topics.js';
export type { ParsedTopic, TopicKind, LinkId, IdKind } from './topics.js';
export { FRAME_WHOLE, FRAME_CHUNK, WHOLE_HEADER_BYTES, CHUNK_HEADER_BYTES, encodeWhole, encodeChunk, decodeFrame } from './frames.js';
export type { Frame } from './frames.js';
export { splitMessage, frameSizes, Reassembler, DEFAULT_REASSEMBLER_LIMITS } from './chunking.js';
export type { ReassemblerLimits, PushResult } from './chunking.js';
export { DedupeSet } from './dedupe.js';
export { ByteLedger, mqttPublishPacketBytes, messageWireBytes, varintBytes } from './ledger.js';
export type { LinkCounters } from './ledger.js';
export { unlimitedShaper } from './shaper.js';
export type { Shaper } from './shaper.js';
export { FleetClient, STATUS_ONLINE, STATUS_OFFLINE } from './client.js';
export { CONNACK_IDENTIFIER_REJECTED } from './reconnect.js';
export type { FleetClientOptions, PublishOptions, PublishReceipt, MessageHandler, RetainedStore, ReceiveStats, Qos, ClientTls } from './client.js';
export { setNoDelay, connectMqtt, connectMqttAsync } from './nodelay.js';
export { budgetOf, peerLinkKey, TokenBucketShaper, budgetShaper, realClock } from './budget/index.js';
export type { RateBudget, DeviceBudget, LinkBudgets, ShaperClock, ShapedLink, TokenBucketOptions } from './budget/index.js';
