import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { DEFAULT_IDLE_TIMES } from '../core/idle-policy.js';
import { KIOSK_API_KEY, type KioskApi } from '../shared/kiosk-api.js';
import { App } from './App.js';
import { httpKioskApi } from './http-kiosk-api.js';
import './kiosk.css';

// Electron's preload exposes the API on window; in browser mode it is HTTP to the same origin.
const api = (window as unknown as Record<string, KioskApi | undefined>)[KIOSK_API_KEY] ?? httpKioskApi();
// Idle times and the notice's auto-dismiss may be shortened for demonstrations and tests: ?idle=ms&warning=ms&notice=ms.
const query = new URLSearchParams(location.search);
const idleTimes = {
  idleMs: Number(query.get('idle')) || DEFAULT_IDLE_TIMES.idleMs,
  warningMs: Number(query.get('warning')) || DEFAULT_IDLE_TIMES.warningMs,
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={api} idleTimes={idleTimes} noticeMs={Number(query.get('notice')) || undefined} />
  </StrictMode>,
);
