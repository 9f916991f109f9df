/**
 * The parts of Electron the main process uses, typed narrowly so every policy runs under Node with a fake
 * (the Electron binary cannot be downloaded on build machines). Shapes follow Electron's API documentation.
 */

export interface InputEvent {
  type: string;
  key: string;
  code?: string;
  control: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
}

export interface PreventableEvent {
  preventDefault(): void;
}

export interface RenderProcessGoneDetails {
  reason: string;
  exitCode: number;
}

export type WindowOpenResponse = { action: 'deny' } | { action: 'allow' };

export interface WebContentsLike {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): void;
  on(event: 'before-input-event', listener: (event: PreventableEvent, input: InputEvent) => void): void;
  on(event: 'render-process-gone', listener: (event: unknown, details: RenderProcessGoneDetails) => void): void;
  on(event: 'unresponsive' | 'responsive' | 'devtools-opened', listener: () => void): void;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenResponse): void;
  getURL(): string;
  loadURL(url: string): Promise<void>;
  reload(): void;
  closeDevTools(): void;
  getOSProcessId(): number;
  send(channel: string, payload: unknown): void;
  capturePage(): Promise<NativeImageLike>;
  forcefullyCrashRenderer?(): void;
}

export interface NativeImageLike {
  toPNG(): Buffer;
  toJPEG(quality: number): Buffer;
  resize(options: { width: number }): NativeImageLike;
}

export interface PermissionSessionLike {
  setPermissionRequestHandler(
    handler:
      | ((webContents: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => void)
      | null,
  ): void;
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string, requestingOrigin: string) => boolean) | null): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
      ) => void,
    ): void;
  };
}

export interface IpcMainInvokeEventLike {
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

export interface AppLike {
  requestSingleInstanceLock(): boolean;
  on(event: 'second-instance', listener: () => void): void;
  quit(): void;
  relaunch(): void;
  exit(code?: number): void;
}

export interface PowerSaveBlockerLike {
  start(type: 'prevent-app-suspension' | 'prevent-display-sleep'): number;
  stop(id: number): void;
  isStarted(id: number): boolean;
}
