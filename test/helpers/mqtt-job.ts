import { parseExperimentConfig, deviceIds, type ExperimentConfig } from '@edgefl/config';
import { prepareFederatedData, type FederatedData } from '@edgefl/data';
import { startGateway, type GatewayOptions, type RunningGateway } from '@edgefl/gateway';
import { startAgent, type AgentOptions, type RunningAgent } from '@edgefl/agent';
import { CaptureLog, fleetCredentials } from '../integration/broker-helpers.js';

type OnRoundEnd = NonNullable<AgentOptions['onRoundEnd']>;

/** Which run of a rebooted device's agent finished a round: the one started first, or the one after the reboot. */
export type Incarnation = 'first' | 'rebooted';

/** A device whose agent is closed and started afresh mid-job (see `MqttJob.rebootingAgent`). */
export interface RebootingAgent {
  /** the agent started after the reboot; rejects if the first one never finished the reboot round */
  rebooted(): Promise<RunningAgent>;
}

/**
 * A job over MQTT in this process: a gateway (aedes broker + aggregator) on 127.0.0.1, a free
 * port, with a key per device, and each device's agent on its own shard with its own key.
 * Everything a test starts through it is closed by `close()`.
 */
export interface MqttJob {
  readonly cfg: ExperimentConfig;
  readonly devices: readonly string[];
  readonly data: FederatedData;
  /** the gateway's and every agent's log lines */
  readonly log: CaptureLog;
  readonly gateway: RunningGateway;
  /** the broker's plain address */
  readonly url: string;
  /** the credentials of `device`, for clients the test connects itself */
  login(device: string): { username: string; password: string };
  /** starts `device`'s agent; `onRoundEnd` sees every round it finishes */
  agent(device: string, onRoundEnd?: OnRoundEnd): Promise<RunningAgent>;
  /**
   * Starts `device`'s agent and reboots the device right after it finished round `round`:
   * that agent is closed and a fresh one (no state kept) started, as after a power cut.
   * `onRoundEnd` sees the rounds of both, with which one finished each.
   */
  rebootingAgent(device: string, round: number, onRoundEnd?: (round: number, model: Float32Array, by: Incarnation) => void): Promise<RebootingAgent>;
  /** resolves once the gateway ran its last round and every agent started (rebooted ones too) is done */
  finished(): Promise<void>;
  /** closes every agent started, then the gateway */
  close(): Promise<void>;
}

export interface MqttJobOptions {
  /** further gateway options (e.g. its `onRoundEnd`) */
  readonly gateway?: Partial<Omit<GatewayOptions, 'listen' | 'auth' | 'experiment' | 'devices' | 'log' | 'data'>>;
}

/** Starts the gateway of the job spec `spec` (parsed like a job file); agents are started with `agent`/`rebootingAgent`. */
export async function startMqttJob(spec: unknown, o: MqttJobOptions = {}): Promise<MqttJob> {
  const cfg = parseExperimentConfig(spec);
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const log = new CaptureLog();
  const creds = await fleetCredentials(devices);
  const gateway = await startGateway({
    listen: { host: '127.0.0.1', port: 0 }, auth: creds.auth, experiment: cfg, devices, log, data, readyTimeoutMs: 20_000, ...o.gateway,
  });
  const url = gateway.url;
  // every agent start, including reboots still under way, so `finished` and `close` reach them all
  const starts: Promise<RunningAgent>[] = [];
  const closing = new Map<RunningAgent, Promise<void>>();
  const closeOnce = (a: RunningAgent): Promise<void> => {
    if (!closing.has(a)) closing.set(a, a.close());
    return closing.get(a)!;
  };

  const agent = (device: string, onRoundEnd?: OnRoundEnd): Promise<RunningAgent> => {
    const shard = data.shards[devices.indexOf(device)];
    if (!shard) throw new Error(`${device} is not a device of job ${cfg.job} (${devices.join(', ')})`);
    const started = startAgent({
      url, device, job: cfg.job, log, data: shard, jobTimeoutMs: 20_000, ...creds.login(device), ...(onRoundEnd ? { onRoundEnd } : {}),
    });
    starts.push(started);
    return started;
  };

  const rebootingAgent = async (device: string, round: number, onRoundEnd?: (r: number, model: Float32Array, by: Incarnation) => void): Promise<RebootingAgent> => {
    let reboot: Promise<RunningAgent> | undefined;
    let first: RunningAgent | undefined;
    first = await agent(device, (r, model) => {
      onRoundEnd?.(r, model, 'first');
      if (r === round && !reboot) {
        reboot = closeOnce(first!).then(() => agent(device, onRoundEnd && ((r2, m2) => onRoundEnd(r2, m2, 'rebooted'))));
        starts.push(reboot);
      }
    });
    return {
      rebooted: () => reboot ?? Promise.reject(new Error(`${device} never finished round ${round}, so it was not rebooted`)),
    };
  };

  return {
    cfg, devices, data, log, gateway, url,
    login: creds.login,
    agent,
    rebootingAgent,
    async finished() {
      await gateway.aggregator.done;
      // a reboot may add a start while earlier ones are awaited
      for (let i = 0; i < starts.length; i++) await (await starts[i]!).done;
    },
    async close() {
      for (const s of starts) {
        const a = await s.catch(() => undefined);
        if (a) await closeOnce(a);
      }
      await gateway.close();
    },
  };
}
