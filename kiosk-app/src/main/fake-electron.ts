import type {
  InputEvent,
  IpcMainInvokeEventLike,
  IpcMainLike,
  NativeImageLike,
  PermissionSessionLike,
  WebContentsLike,
} from './electron-types.js';

type Listener = (...args: never[]) => unknown;

/** A test double of the Electron objects the policies use: it records listeners and lets tests fire them. */
export class FakeWebContents implements WebContentsLike {
  readonly listeners = new Map<string, Listener[]>();
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' } | { action: 'allow' }) | undefined;
  url = 'https://kiosk.lophoc.test/';
  reloads = 0;
  devtoolsClosed = 0;
  sent: { channel: string; payload: unknown }[] = [];
  forcefullyCrashRenderer?: () => void;
  on(event: string, listener: Listener): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void {
    this.windowOpenHandler = handler;
  }
  getURL(): string {
    return this.url;
  }
  async loadURL(url: string): Promise<void> {
    this.url = url;
  }
  reload(): void {
    this.reloads += 1;
  }
  closeDevTools(): void {
    this.devtoolsClosed += 1;
  }
  getOSProcessId(): number {
    return 4242;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  async capturePage(): Promise<NativeImageLike> {
    const image: NativeImageLike = {
      toPNG: () => Buffer.from('89504e470d0a1a0a', 'hex'),
      toJPEG: () => Buffer.from('ffd8ffe0', 'hex'),
      resize: () => image,
    };
    return image;
  }
  /** Fires `event` like Electron would; returns whether a listener called preventDefault. */
  fire(event: string, ...args: unknown[]): boolean {
    let prevented = false;
    const preventable = { preventDefault: () => (prevented = true) };
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: unknown[]) => unknown)(preventable, ...args);
    return prevented;
  }
  press(input: Partial<InputEvent> & { key: string }): boolean {
    return this.fire('before-input-event', { type: 'keyDown', control: false, alt: false, shift: false, meta: false, ...input });
  }
}

export class FakeSession implements PermissionSessionLike {
  requestHandler: Parameters<PermissionSessionLike['setPermissionRequestHandler']>[0] = null;
  checkHandler: Parameters<PermissionSessionLike['setPermissionCheckHandler']>[0] = null;
  headersListener: Parameters<PermissionSessionLike['webRequest']['onHeadersReceived']>[0] | undefined;
  setPermissionRequestHandler(handler: FakeSession['requestHandler']): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['checkHandler']): void {
    this.checkHandler = handler;
  }
  webRequest = {
    onHeadersReceived: (listener: NonNullable<FakeSession['headersListener']>) => {
      this.headersListener = listener;
    },
  };
}

export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What `ipcRenderer.invoke` from a frame at `url` would get. */
  async invoke(url: string | null, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ senderFrame: url === null ? null : { url } }, ...args);
  }
}
