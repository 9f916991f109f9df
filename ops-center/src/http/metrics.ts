import type { OpsContext } from './context.js';

type Sample = [labels: Record<string, string>, value: number];

function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) {
    const text = Object.entries(labels)
      .map(([key, v]) => `${key}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`)
      .join(',');
    lines.push(`${name}${text ? `{${text}}` : ''} ${value}`);
  }
  return lines.join('\n');
}

/** Prometheus text exposition format 0.0.4. */
export async function renderMetrics(context: OpsContext): Promise<string> {
  const { ingest, commands, webhooks, live, store } = context;
  const stats = ingest.stats;
  const nodes = await store.nodes();
  const active = await store.alerts({ active: true, limit: 100_000 });
  const bySeverity = (severity: string) => active.filter((alert) => alert.severity === severity).length;
  return `${[
    family('lophoc_ingest_messages_received_total', 'counter', 'MQTT messages received by the ingest.', [[{}, stats.received]]),
    family('lophoc_ingest_records_stored_total', 'counter', 'Records stored (first time seen).', [[{}, stats.stored]]),
    family('lophoc_ingest_records_duplicate_total', 'counter', 'Records received again and not stored twice.', [[{}, stats.duplicates]]),
    family(
      'lophoc_ingest_messages_malformed_total',
      'counter',
      'Messages refused, by reason.',
      Object.entries(stats.malformedByCode).map(([code, count]) => [{ code }, count]),
    ),
    family('lophoc_ingest_acks_sent_total', 'counter', 'Ack messages published to nodes.', [[{}, stats.acksSent]]),
    family('lophoc_ingest_write_errors_total', 'counter', 'Batches the store refused (not acknowledged).', [[{}, stats.writeErrors]]),
    family('lophoc_mqtt_connected', 'gauge', '1 while the ingest is connected to the broker.', [[{}, ingest.connected ? 1 : 0]]),
    family('lophoc_nodes', 'gauge', 'Known nodes by state.', [
      [{ state: 'online' }, nodes.filter((n) => n.online).length],
      [{ state: 'offline' }, nodes.filter((n) => !n.online).length],
    ]),
    family('lophoc_devices', 'gauge', 'Registered devices.', [[{}, nodes.reduce((sum, n) => sum + n.devices.length, 0)]]),
    family('lophoc_alerts_active', 'gauge', 'Alerts raised and not cleared, by severity.', [
      [{ severity: 'critical' }, bySeverity('critical')],
      [{ severity: 'warning' }, bySeverity('warning')],
      [{ severity: 'info' }, bySeverity('info')],
    ]),
    family(
      'lophoc_commands_total',
      'counter',
      'Command transitions since start, by status.',
      (['sent', 'done', 'failed', 'expired'] as const).map((status) => [{ status }, commands.stats[status]]),
    ),
    family('lophoc_alert_webhooks_total', 'counter', 'Alert webhook deliveries, by outcome.', [
      [{ outcome: 'sent' }, webhooks?.stats.sent ?? 0],
      [{ outcome: 'failed' }, webhooks?.stats.failed ?? 0],
    ]),
    family('lophoc_live_clients', 'gauge', 'Open console live streams.', [[{}, live.size]]),
  ].join('\n')}\n`;
}
