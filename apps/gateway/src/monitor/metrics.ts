import type { Counter, Gauge, Registry } from 'prom-client';
import type { DirectionView, LinksSnapshot } from './link-monitor.js';

/**
 * Prometheus metrics of a LinkMonitor, read from its snapshot at scrape time. Names and
 * labels follow Prometheus conventions (base units, `_total` counters); label values are
 * limited to the job's devices, directions `up`/`down` and kinds `payload`/`overhead`, so
 * the series count is bounded by the fleet size. prom-client is imported on first use.
 */
export async function createMetrics(snapshot: () => LinksSnapshot): Promise<Registry> {
  // Loaded on first use, so commands that never serve metrics (e.g. `edgefl --help`) skip it.
  const { Counter, Gauge, Registry, collectDefaultMetrics } = await import('prom-client');
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'edgefl_gateway_' });
  let snap: LinksSnapshot | null = null;
  const fresh = (): LinksSnapshot => (snap ??= snapshot());
  const perDirection = (fn: (v: DirectionView, device: string, direction: 'up' | 'down') => void): void => {
    for (const d of fresh().devices) {
      fn(d.up, d.device, 'up');
      fn(d.down, d.device, 'down');
    }
  };
  // Counters hold absolute values from the monitor: reset, then set by one inc per series.
  const counter = (name: string, help: string, labelNames: string[], fill: (c: Counter<string>) => void): void => {
    new Counter({
      name, help, labelNames, registers: [register],
      collect() {
        this.reset();
        fill(this);
      },
    });
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge<string>) => void): void => {
    new Gauge({
      name, help, labelNames, registers: [register],
      collect() {
        this.reset();
        fill(this);
      },
    });
  };

  counter('edgefl_link_bytes_total', 'MQTT bytes of PUBLISH packets at the gateway\'s sockets, per device and direction (up = sent by the device), split into application payload and MQTT overhead',
    ['device', 'direction', 'kind'], (c) => perDirection((v, device, direction) => {
      c.inc({ device, direction, kind: 'payload' }, v.payloadBytes);
      c.inc({ device, direction, kind: 'overhead' }, v.overheadBytes);
    }));
  counter('edgefl_link_packets_total', 'PUBLISH packets at the gateway\'s sockets', ['device', 'direction'],
    (c) => perDirection((v, device, direction) => c.inc({ device, direction }, v.messages)));
  counter('edgefl_link_payload_bits_total', 'payload bits of algorithm messages as the papers count them (the gateway\'s ledger)', ['device', 'direction'],
    (c) => perDirection((v, device, direction) => c.inc({ device, direction }, v.payloadBits)));
  counter('edgefl_link_over_budget_total', 'budget violations: rounds over bitsPerRound plus seconds whose trailing rate exceeded bitsPerSec', ['device', 'direction'],
    (c) => perDirection((v, device, direction) => c.inc({ device, direction }, v.overBudget)));
  gauge('edgefl_link_rate_bits_per_second', 'wire rate over the monitor window', ['device', 'direction'],
    (g) => perDirection((v, device, direction) => g.set({ device, direction }, v.rateBitsPerSec)));
  gauge('edgefl_link_budget_bits_per_second', 'the link\'s rate budget (only links that have one)', ['device', 'direction'],
    (g) => perDirection((v, device, direction) => { if (v.budgetBitsPerSec !== null) g.set({ device, direction }, v.budgetBitsPerSec); }));
  gauge('edgefl_link_budget_bits_per_round', 'the link\'s payload budget per round (only links that have one)', ['device', 'direction'],
    (g) => perDirection((v, device, direction) => { if (v.budgetBitsPerRound !== null) g.set({ device, direction }, v.budgetBitsPerRound); }));
  gauge('edgefl_link_budget_use_ratio', 'rate ÷ bitsPerSec or last round\'s payload ÷ bitsPerRound, whichever is higher (only budgeted links)', ['device', 'direction'],
    (g) => perDirection((v, device, direction) => { if (v.budgetUse !== null) g.set({ device, direction }, v.budgetUse); }));
  counter('edgefl_peer_link_bytes_total', 'MQTT bytes a device sent to a peer (link topics)', ['from', 'to'],
    (c) => { for (const p of fresh().peers) c.inc({ from: p.from, to: p.to }, p.wireBytes); });
  gauge('edgefl_device_online', '1 while the device\'s retained status is not offline', ['device'],
    (g) => { for (const d of fresh().devices) g.set({ device: d.device }, d.online ? 1 : 0); });
  gauge('edgefl_device_last_seen_timestamp_seconds', 'when the gateway last received a packet from the device (Unix time)', ['device'],
    (g) => { for (const d of fresh().devices) if (d.lastSeen !== null) g.set({ device: d.device }, d.lastSeen / 1000); });
  gauge('edgefl_job_round', 'the round the aggregator is in (0 before the first)', [], (g) => g.set(fresh().round));
  gauge('edgefl_job_rounds', 'rounds the job runs', [], (g) => g.set(fresh().rounds));
  gauge('edgefl_job_accuracy_ratio', 'held-out accuracy of the global model after the last evaluated round', [],
    (g) => { const a = fresh().accuracy; if (a !== null) g.set(a); });
  gauge('edgefl_job_loss', 'held-out loss of the global model after the last evaluated round', [],
    (g) => { const l = fresh().loss; if (l !== null) g.set(l); });
  counter('edgefl_other_client_bytes_total', 'MQTT bytes of clients that are not devices of this job', ['direction'],
    (c) => { const o = fresh().other; c.inc({ direction: 'up' }, o.received); c.inc({ direction: 'down' }, o.delivered); });

  // One snapshot per scrape.
  const metrics = register.metrics.bind(register);
  register.metrics = async () => {
    snap = null;
    return metrics();
  };
  return register;
}
