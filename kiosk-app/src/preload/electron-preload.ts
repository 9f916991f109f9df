import { exposeKioskApi } from './preload.js';

/**
 * The preload entry Electron loads (bundled to dist/preload/preload.cjs: a sandboxed preload is CommonJS and
 * may require only `electron`). It exposes the typed KioskApi and nothing else.
 */
const electron = require('electron') as {
  contextBridge: Parameters<typeof exposeKioskApi>[0];
  ipcRenderer: Parameters<typeof exposeKioskApi>[1];
};
exposeKioskApi(electron.contextBridge, electron.ipcRenderer);
