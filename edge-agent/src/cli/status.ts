import { type Language, say } from './i18n.js';
import { type AgentStatus, readStatus } from './status-file.js';

/** A status older than this means the agent is not running (it writes every 5 s). */
const STALE_MS = 20_000;

/** `lophoc-agent status`: connection, devices and outbox of the agent using `dataDir`, as text for a technician. */
export async function statusReport(dataDir: string, language: Language, now = Date.now()): Promise<{ ok: boolean; text: string }> {
  const status = await readStatus(dataDir);
  if (!status) return { ok: false, text: say(language, 'neverRan', { dir: dataDir }) };
  const when = new Date(status.ts).toLocaleString(language === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: 'Asia/Ho_Chi_Minh' });
  if (now - status.ts > STALE_MS) return { ok: false, text: say(language, 'notRunning', { ts: when }) };
  return { ok: status.broker.connected && status.devices.every((d) => d.online !== false), text: render(status, language, now) };
}

function render(status: AgentStatus, language: Language, now: number): string {
  const lines = [
    `${status.site}/${status.node} · ${say(language, 'uptime')}: ${formatDuration(now - status.startedAt)}`,
    `${say(language, 'broker')}: ${status.broker.url} — ${say(language, status.broker.connected ? 'connected' : 'disconnected')}`,
    `${say(language, 'devices')}:`,
    ...status.devices.map((device) => {
      const state = device.online === undefined ? 'unknown' : device.online ? 'online' : 'offline';
      return `  ${device.id.padEnd(16)} ${device.profile.padEnd(20)} ${say(language, state)}${device.reason ? ` — ${device.reason}` : ''}`;
    }),
    `${say(language, 'outbox')}: ${say(language, 'outboxLine', status.outbox as unknown as Record<string, number>)}`,
  ];
  return lines.join('\n');
}

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d ? `${d}d ` : ''}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
